export { main, COMMANDS, type Command } from './main';
export { runAnalyze, ANALYZE_FLAGS, type AnalyzeRun } from './commands/analyze';
export { parseArgs, type FlagSpec, type ParsedArgs } from './args';
export { METHOD_FLAGS, type MethodFlag } from './flags/method';
export { runScan } from './commands/scan';
