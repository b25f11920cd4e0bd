// A one-line progress counter on stderr for long runs (many files or pins), drawn only when
// stderr is a terminal, so that logs and pipes get nothing but the results.
export interface Progress {
  tick(): void;
  done(): void;
}

const NO_PROGRESS: Progress = { tick() {}, done() {} };

export function progress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  // A handful of items finishes before anyone could read a counter.
  if (!stream.isTTY || total < 10) return NO_PROGRESS;
  let count = 0;
  const draw = (): void => {
    const width = 30;
    const filled = Math.round((count / total) * width);
    stream.write(`\r${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${count}/${total}`);
  };
  draw();
  return {
    tick() {
      count++;
      draw();
    },
    done() {
      stream.write('\r\x1b[K');
    },
  };
}
