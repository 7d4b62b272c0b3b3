import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { roles } from '../auth/roles.js';
import { placeholderPattern } from './placeholders.js';

/**
 * One configured custom command (`commands: [...]`). Checked when the configuration loads:
 * the program must be an absolute path to an executable file, so a typo is a start-up error
 * instead of a failure the first time someone presses the button.
 */
function executableProblem(file: string): string | null {
  if (!path.isAbsolute(file)) return `must be an absolute path to an executable, got "${file}"`;
  if (placeholderPattern.test(file)) return 'the program itself cannot contain a placeholder';
  try {
    if (!statSync(file).isFile()) return `${file} is not a file`;
    accessSync(file, constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `${file} does not exist` : `${file} is not executable by spis (${code ?? 'error'})`;
  }
  return null;
}

export const commandSchema = z.strictObject({
  /** Used in the URL (`POST /api/commands/NAME`) and the audit log. */
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be 1–40 lower-case letters, digits, - or _'),
  label: z.string().min(1).max(60),
  /** Program and arguments, run without a shell; `{path}`, `{relpath}`, `{id}`, `{takenAt}` are filled in. */
  argv: z
    .array(z.string().max(4096))
    .min(1)
    .superRefine((argv, ctx) => {
      const problem = executableProblem(argv[0]!);
      if (problem) ctx.addIssue({ code: 'custom', path: [0], message: problem });
    }),
  /** An emoji or a short word shown on the button. */
  icon: z.string().max(16).optional(),
  /** One key (a letter or digit) that runs it from the lightbox. */
  hotkey: z.string().regex(/^[a-z0-9]$/, 'must be one lower-case letter or digit').optional(),
  roles: z.array(z.enum(roles)).min(1).default(['admin']),
  /** When set, the web app asks this question before running. */
  confirm: z.string().min(1).max(200).optional(),
  timeoutSeconds: z.number().int().min(1).max(3600).default(60),
  /** May run on several items at once (placeholders then repeat per item). */
  multi: z.boolean().default(false),
  /** Variables added to the otherwise empty environment. */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
});

export const commandsSchema = z
  .array(commandSchema)
  .default([])
  .superRefine((commands, ctx) => {
    const seen = new Set<string>();
    commands.forEach((command, index) => {
      if (seen.has(command.name)) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `"${command.name}" is used twice` });
      seen.add(command.name);
    });
  });

export type CommandConfig = z.infer<typeof commandSchema>;
