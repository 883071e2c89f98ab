export * from './passwords';
export * from './tokens';
export * from './users';
export * from './refresh-tokens';
export * from './password-reset';
export * from './account-limiter';
export * from './session-revocations';
