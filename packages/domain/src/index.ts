export * from './money';
export * from './order-status';
export * from './search-terms';
export * from './fulfilment-status';
