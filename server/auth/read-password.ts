import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/**
 * A password for the CLI: all of standard input when it is not a terminal (scripts pipe it,
 * one trailing newline dropped), otherwise an interactive prompt that echoes nothing and
 * asks twice.
 */
export async function readPassword(input: NodeJS.ReadStream = process.stdin, prompt = 'Password'): Promise<string> {
  if (!input.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of input as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  const first = await askHidden(input, `${prompt}: `);
  const again = await askHidden(input, `${prompt} (again): `);
  if (first !== again) throw new Error('the passwords do not match');
  return first;
}

function askHidden(input: NodeJS.ReadStream, question: string): Promise<string> {
  process.stderr.write(question);
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input, output: muted, terminal: true });
  return new Promise((resolve) => {
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}
