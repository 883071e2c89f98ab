export { catalogKeys, invalidateProducts } from './catalog-keys';
