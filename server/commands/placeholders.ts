/**
 * Fills a command's argv for the items it runs on. Pure. An argument holding a placeholder
 * is repeated once per item, in order (like `find -exec … {} +`), so a `multi` command gets
 * every file; arguments without one are passed once, as written. Values are whole argv
 * entries: no shell ever sees them, so spaces or quotes in names need no escaping.
 */
export interface PlaceholderItem {
  id: string;
  /** Absolute path of the file. */
  path: string;
  /** Relative to the media folder, with '/' separators. */
  relpath: string;
  takenAt: string;
}

export const placeholderPattern = /\{(path|relpath|id|takenAt)\}/;
const allPlaceholders = /\{(path|relpath|id|takenAt)\}/g;

export function expandArgv(argv: readonly string[], items: readonly PlaceholderItem[]): string[] {
  const [program, ...args] = argv;
  const out = [program!];
  for (const arg of args) {
    if (!placeholderPattern.test(arg)) {
      out.push(arg);
      continue;
    }
    for (const item of items) out.push(arg.replace(allPlaceholders, (_match, key: keyof PlaceholderItem) => item[key]));
  }
  return out;
}
