/** A line logger. Resolvers call it with unprefixed lines such as `MongoDB: using jongodb ...`. */
export type LogFn = (line: string) => void;

/** Default logger: `console.log` with a `[deps]` prefix. */
export const defaultLog: LogFn = (line) => {
  console.log(`[deps] ${line}`);
};
