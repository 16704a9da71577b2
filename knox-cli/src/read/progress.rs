//! A progress bar for long exports: bytes read of the inputs' total, rate and time left, drawn
//! on stderr when stderr is a terminal, and nothing otherwise (pipes, files, tests).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::read::input::Source;
use crate::read::pipeline::SourceInfo;

/// The progress of a run over its sources.
pub struct Progress {
    bar: Option<ProgressBar>,
    /// Bytes of the sources before each one (by index), and how far the current one is.
    before: Vec<u64>,
}

impl Progress {
    /// A bar over the sources' bytes, drawn only when `show` (stderr is a terminal) and the
    /// total is known (regular files; stdin and followed inputs have none).
    pub fn new(sources: &[(Source, SourceInfo)], show: bool) -> Progress {
        let sizes: Vec<Option<u64>> = sources
            .iter()
            .map(|(s, _)| match s {
                Source::File(p) => std::fs::metadata(p)
                    .ok()
                    .filter(|m| m.is_file())
                    .map(|m| m.len()),
                _ => None,
            })
            .collect();
        let mut before = Vec::with_capacity(sizes.len());
        let mut total = 0u64;
        for s in &sizes {
            before.push(total);
            total += s.unwrap_or(0);
        }
        let known = sizes.iter().all(Option::is_some) && total > 0;
        let bar = (show && known).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} {eta} left",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Progress { bar, before }
    }

    /// The source with this index has been read up to `done` bytes.
    pub fn update(&mut self, source: usize, done: u64) {
        if let (Some(bar), Some(b)) = (&self.bar, self.before.get(source)) {
            bar.set_position(b + done);
        }
    }

    /// The run is over: the bar goes.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    /// Whether a bar is drawn.
    #[cfg(test)]
    pub fn is_shown(&self) -> bool {
        self.bar.is_some()
    }
}

/// A Parquet output with the run's progress.
pub struct Watched<O> {
    pub inner: O,
    pub progress: Progress,
}

impl<O: knox_arrow::Output> knox_arrow::Output for Watched<O> {
    fn batch(&mut self, b: knox_arrow::RecordBatch) -> std::io::Result<()> {
        self.inner.batch(b)
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.progress.finish();
        self.inner.finish()
    }

    fn problem(&mut self, p: &crate::read::report::Problem) {
        self.inner.problem(p)
    }

    fn unreadable(&mut self, name: &str, e: &std::io::Error) {
        self.inner.unreadable(name, e)
    }

    fn progress(&mut self, source: usize, done: u64) {
        self.progress.update(source, done);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_bar_is_drawn_unless_stderr_is_a_terminal() {
        let here = std::env::current_exe().unwrap();
        let info = SourceInfo {
            name: "x".into(),
            host: None,
            streaming: false,
            piped: false,
            trail: None,
        };
        let sources = vec![(Source::File(here), info.clone())];
        assert!(!Progress::new(&sources, false).is_shown());
        assert!(Progress::new(&sources, true).is_shown());
        // Without a total (stdin) there is nothing to measure against.
        assert!(!Progress::new(&[(Source::Stdin, info)], true).is_shown());
    }
}
