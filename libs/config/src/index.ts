export { ConfigError } from './config-error';
export { field, Field, Parsed } from './fields';
export { parseConfig, ConfigOf, Spec } from './parse-config';
export { infraSpec, InfraConfig, loadInfraConfig } from './infra-config';
export { jsonLineLog, JsonLineLog, configOrExit, Log, LogLevel } from './process-boundary';
