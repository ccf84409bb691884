export { main } from './main';
export { runAnalyze, ANALYZE_FLAGS, type AnalyzeRun } from './analyze-command';
export { parseArgs, type FlagSpec, type ParsedArgs } from './args';
