import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../api/errors.js';
import type { Config } from '../../config/schema.js';
import { FileProber } from '../../media/file-probe.js';
import { createVideoProber, locateVideoTools, type VideoTools } from '../../media/video-probe.js';
import { createLogger } from '../../ops/logger.js';
import { parseNamedOutput } from '../../thumbs/named-output.js';
import { renderSettings } from '../../thumbs/setup.js';
import { fileSource } from '../../thumbs/source.js';
import { parseTransformParams, type RawParams } from '../../thumbs/transform-params.js';
import { renderTransform, resolveSpec, type ResolvedSpec } from '../../thumbs/transform-service.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { configFromCommandLine, parseCommandLine } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { Progress } from '../progress.js';

/** One output asked for: how its file is named, and the transform parameters. */
interface OutputRequest {
  suffix: string;
  raw: RawParams;
}

const extensionOf: Readonly<Record<ResolvedSpec['format'], string>> = { jpeg: 'jpg', webp: 'webp', avif: 'avif', png: 'png', gif: 'gif' };

/**
 * `spis process`: the transform pipeline of `/api/media/:id/image` without a server, for
 * files anywhere. Probing, sources (EXIF orientation, HEIC, video posters), limits, format
 * rules and encoders are the ones the HTTP routes use, so the bytes are the same.
 */
export const processCommand: Command = {
  name: 'process',
  summary: 'render named outputs or a transform query for files, without a server',
  usage: `spis process (--outputs w300.jpg,x200.webp | --query "w=300&format=webp") --out DIR FILE…

Renders each FILE with the transform pipeline of the HTTP API (the same orientation,
colour handling, limits and encoders) and writes the results to DIR:
  --outputs LIST   named outputs, comma-separated: w300.jpg, h200.png, x200.webp,
                   300x200.jpg, 300x200-q50.avif → DIR/NAME.w300.jpg, …
  --query Q        transform parameters as in /api/media/ID/image?Q (RIAPI and Nano names
                   too) → DIR/NAME.EXT; format auto means JPEG here (no Accept header)
  --out DIR        where to write (created if missing); existing files are replaced
Limits, quality and formats come from the configuration (--config, SPIS_*, flags), as for
serve. Shows a progress bar on a terminal; a file that fails is reported on standard
error with its reason and the exit code is 1; the others are still written.`,
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, {
      outputs: { type: 'string' },
      query: { type: 'string' },
      out: { type: 'string', short: 'o' },
    });
    const requests = outputRequests(values.outputs, values.query);
    if (typeof values.out !== 'string' || values.out === '') throw new UsageError('--out DIR is required');
    if (positionals.length === 0) throw new UsageError('name at least one FILE');
    const { config } = configFromCommandLine(values);
    const settings = renderSettings(config);
    // Every output is checked before any file is read, so a typo fails at once.
    const specs = requests.map((request) => ({ ...request, spec: checkedSpec(request, config, settings) }));
    const out = path.resolve(values.out);
    await mkdir(out, { recursive: true });
    const log = createLogger({ ...config.log, level: 'error', format: 'json' }, process.stderr);
    const tools = await locateVideoTools(config.video, log);
    const run = new ProcessRun(specs, out, config, tools);
    const failed = await run.all(positionals);
    return failed > 0 ? 1 : 0;
  },
};

function outputRequests(outputs: unknown, query: unknown): OutputRequest[] {
  if ((outputs === undefined) === (query === undefined)) throw new UsageError('give either --outputs or --query');
  if (typeof query === 'string') {
    const search = new URLSearchParams(query);
    const raw: RawParams = {};
    for (const key of new Set(search.keys())) {
      const all = search.getAll(key);
      raw[key] = all.length === 1 ? all[0] : all;
    }
    return [{ suffix: '', raw }];
  }
  const names = String(outputs).split(',').map((name) => name.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError('--outputs: name at least one output, such as w300.jpg');
  return names.map((name) => {
    const raw = parseNamedOutput(name);
    if (!raw) throw new UsageError(`--outputs: "${name}" is not an output name such as w300.jpg, x200.webp or 300x200-q50.avif`);
    return { suffix: `.${name}`, raw };
  });
}

function checkedSpec(request: OutputRequest, config: Config, settings: ReturnType<typeof renderSettings>): ResolvedSpec {
  try {
    const parsed = parseTransformParams(request.raw, config.transforms);
    return resolveSpec(parsed, undefined, settings);
  } catch (error) {
    if (error instanceof AppError) throw new UsageError(request.suffix ? `--outputs${request.suffix}: ${error.message}` : `--query: ${error.message}`);
    throw error;
  }
}

class ProcessRun {
  private readonly prober: FileProber;
  private readonly written = new Map<string, string>();
  private done = 0;
  private failed = 0;
  private outputs = 0;

  constructor(
    private readonly specs: Array<OutputRequest & { spec: ResolvedSpec }>,
    private readonly out: string,
    private readonly config: Config,
    private readonly tools: VideoTools,
  ) {
    this.prober = new FileProber(tools.ffprobe ? createVideoProber(tools.ffprobe) : null);
  }

  /** Files in parallel up to the configured render concurrency; returns how many failed. */
  async all(files: string[]): Promise<number> {
    const progress = new Progress('processing', process.stderr);
    const queue = [...files];
    const worker = async () => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
        try {
          await this.one(file);
        } catch (error) {
          this.failed++;
          // Cleared line first: the bar may be drawn on the same terminal line.
          process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[2K' : ''}spis process: ${file}: ${reasonOf(error)}\n`);
        }
        this.done++;
        progress.update(this.done, files.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(files.length, this.config.thumbnails.concurrency) }, worker));
    progress.finish(this.done, files.length);
    // The summary on standard output, the progress and the errors on standard error (as `spis index`).
    process.stdout.write(`${files.length - this.failed} of ${files.length} files processed, ${this.outputs} outputs written to ${this.out}\n`);
    return this.failed;
  }

  private async one(file: string): Promise<void> {
    const abs = path.resolve(file);
    const info = await stat(abs).catch(() => null);
    if (!info?.isFile()) throw new Error('not a readable file');
    const probed = await this.prober.probe(abs, info.size);
    if (!probed.ok) throw new Error(probed.reason);
    const stem = path.basename(abs, path.extname(abs));
    const targets = this.specs.map(({ suffix, spec }) => path.join(this.out, suffix ? `${stem}${suffix}` : `${stem}.${extensionOf[spec.format]}`));
    const clash = targets.find((target) => this.written.has(target));
    if (clash) throw new Error(`would overwrite ${path.basename(clash)}, written for ${this.written.get(clash)}`);
    for (const target of targets) this.written.set(target, file);
    const { facts } = probed;
    const settings = renderSettings(this.config);
    const pixels = facts.width && facts.height ? facts.width * facts.height : null;
    for (const [index, { spec }] of this.specs.entries()) {
      const source = await fileSource(abs, { type: facts.type, mime: facts.mime, durationMs: facts.durationMs }, {
        ffmpeg: this.tools.ffmpeg,
        maxInputPixels: this.config.transforms.maxInputPixels,
      });
      const { data } = await renderTransform(source, spec, settings.transformLimits, pixels);
      await writeFileAtomic(targets[index]!, data);
      this.outputs++;
    }
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
