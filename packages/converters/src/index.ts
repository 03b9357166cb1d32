export { JsonConverter } from './json/json-converter.ts';
