/** docs/configuration.md, generated from the schema so the table can never drift from the code. */
import { configTable } from './config.ts';

export function configurationDoc(): string {
  return `# gitfed run: configuration

<!-- Generated from src/daemon/config.ts by \`npm run docs:config\`; a test fails when it is out of date. -->

Every setting can come from a YAML file (\`--config FILE\`, keys as below), from an environment variable, or
from a flag; a flag wins over the environment, which wins over the file.

${configTable()}

Durations are written \`250ms\`, \`30s\`, \`5m\` or \`1h\`. A repository given as a directory is watched for changes
(debounced) and its report is written into \`<dir>/<reportPath>/\` instead of being committed.
`;
}
