import { main } from './program.js';

const exitCode = await main(process.argv.slice(2));
process.exitCode = exitCode;
if (exitCode !== 0) process.exit(exitCode);
