export * from './data/index.ts';
export * from './errors.ts';
export { ConnectHeaders, type Header, type Headers } from './header/headers.ts';
export type { Converter, ConverterType, HeaderConverter } from './storage/converter.ts';
