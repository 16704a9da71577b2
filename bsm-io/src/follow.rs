//! Following trails as they are written, on any OS: a file (like `tail -f`), auditd's `current`
//! link, or a trail directory, across rotation to the next file without losing or repeating a
//! record. A [`Follow`] is a `Read` that waits for more bytes instead of ending, so the streaming
//! decoder sees one endless byte stream (file tokens included).

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bsm_format::trailname::TrailName;

/// What is being followed.
#[derive(Debug, Clone)]
enum Target {
    /// One file, read as it grows.
    File,
    /// A symlink (auditd's `current`) that moves to the next file on rotation.
    Link(PathBuf),
    /// A trail directory: the newest trail file, then each newer one.
    Dir(PathBuf),
}

/// A reader that follows a trail file, link or directory.
pub struct Follow {
    target: Target,
    current: PathBuf,
    file: Option<File>,
    poll: Duration,
    stop: Arc<AtomicBool>,
    /// End (as at end of input) after this long without new bytes; `None` waits for ever.
    idle_limit: Option<Duration>,
    last_data: Instant,
}

impl Follow {
    /// Follows `path`: a trail directory, a symlink such as `/var/audit/current`, or a file.
    /// A directory starts at its newest trail file (waiting for one if it has none).
    pub fn new(path: &Path) -> io::Result<Follow> {
        let meta = std::fs::symlink_metadata(path)?;
        let (target, current) = if meta.is_dir() {
            let newest = newest_trail(path)?;
            (Target::Dir(path.to_path_buf()), newest.unwrap_or_default())
        } else if meta.file_type().is_symlink() {
            (Target::Link(path.to_path_buf()), resolve(path)?)
        } else {
            (Target::File, path.to_path_buf())
        };
        let file = if current.as_os_str().is_empty() {
            None
        } else {
            Some(File::open(&current)?)
        };
        Ok(Follow {
            target,
            current,
            file,
            poll: Duration::from_millis(100),
            stop: Arc::new(AtomicBool::new(false)),
            idle_limit: None,
            last_data: Instant::now(),
        })
    }

    /// How often to look for new bytes (default 100 ms).
    pub fn poll_every(mut self, d: Duration) -> Follow {
        self.poll = d;
        self
    }

    /// End after being idle this long (tests use it; the tools follow until stopped).
    pub fn idle_limit(mut self, d: Duration) -> Follow {
        self.idle_limit = Some(d);
        self
    }

    /// A flag that ends following when set (from a signal handler thread, say).
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    /// The file being read now.
    pub fn current(&self) -> &Path {
        &self.current
    }

    /// The file that follows the current one, once rotation has happened.
    fn next_file(&self) -> io::Result<Option<PathBuf>> {
        match &self.target {
            Target::File => Ok(None),
            Target::Link(link) => match resolve(link) {
                Ok(p) if p != self.current => Ok(Some(p)),
                _ => Ok(None),
            },
            Target::Dir(dir) => {
                let cur = self
                    .current
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(TrailName::parse)
                    .map(|t| t.start);
                let mut newer: Vec<(TrailName, PathBuf)> = trails(dir)?
                    .into_iter()
                    .filter(|(t, _)| cur.is_none_or(|c| t.start > c))
                    .collect();
                newer.sort();
                Ok(newer.into_iter().next().map(|(_, p)| p))
            }
        }
    }
}

fn resolve(link: &Path) -> io::Result<PathBuf> {
    let t = std::fs::read_link(link)?;
    Ok(if t.is_absolute() {
        t
    } else {
        link.parent().unwrap_or(Path::new(".")).join(t)
    })
}

fn trails(dir: &Path) -> io::Result<Vec<(TrailName, PathBuf)>> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        if e.file_type()?.is_symlink() {
            continue;
        }
        if let Some(t) = e.file_name().to_str().and_then(TrailName::parse) {
            v.push((t, e.path()));
        }
    }
    Ok(v)
}

fn newest_trail(dir: &Path) -> io::Result<Option<PathBuf>> {
    Ok(trails(dir)?.into_iter().max().map(|(_, p)| p))
}

impl Read for Follow {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(f) = self.file.as_mut() {
                let n = f.read(buf)?;
                if n > 0 {
                    self.last_data = Instant::now();
                    return Ok(n);
                }
            }
            if let Some(next) = self.next_file()? {
                // Rotation: the old file was closed before the new one appeared; read what it
                // got meanwhile before moving on, so nothing is lost.
                if let Some(f) = self.file.as_mut() {
                    let n = f.read(buf)?;
                    if n > 0 {
                        self.last_data = Instant::now();
                        return Ok(n);
                    }
                }
                self.file = Some(File::open(&next)?);
                self.current = next;
                continue;
            }
            if self.stop.load(Ordering::Relaxed)
                || self
                    .idle_limit
                    .is_some_and(|l| self.last_data.elapsed() >= l)
            {
                return Ok(0);
            }
            std::thread::sleep(self.poll);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("knox-follow-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// A writer appends records in pieces (cutting records mid-way), rotates the trail the way
    /// auditd does (close and rename, then a new file), and appends more; the follower reads
    /// every record exactly once, in order.
    #[test]
    fn follows_a_directory_across_rotation_without_loss_or_repeats() {
        let d = dir("rotate");
        let mut g = bsm_format::generate::Generator::new(8);
        let first = g.trail(40);
        let second = g.trail(40);
        let a = d.join("20231114221320.not_terminated");
        std::fs::write(&a, &first[..100]).unwrap();
        let writer = {
            let (d, a) = (d.clone(), a.clone());
            let (first, second) = (first.clone(), second.clone());
            std::thread::spawn(move || {
                let mut f = std::fs::OpenOptions::new().append(true).open(&a).unwrap();
                for piece in first[100..].chunks(333) {
                    f.write_all(piece).unwrap();
                    std::thread::sleep(Duration::from_millis(5));
                }
                drop(f);
                std::fs::rename(&a, d.join("20231114221320.20231114221420")).unwrap();
                let b = d.join("20231114221420.not_terminated");
                let mut f = std::fs::File::create(&b).unwrap();
                for piece in second.chunks(500) {
                    f.write_all(piece).unwrap();
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
        };
        let follow = Follow::new(&d)
            .unwrap()
            .poll_every(Duration::from_millis(2))
            .idle_limit(Duration::from_millis(500));
        let mut r = bsm_format::RecordReader::new(follow);
        let mut got = Vec::new();
        while let Some(rec) = r.next_record() {
            got.extend_from_slice(rec.unwrap().bytes());
        }
        writer.join().unwrap();
        assert_eq!(got, [first, second].concat());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn follows_the_current_link_to_the_next_file() {
        let d = dir("link");
        let mut g = bsm_format::generate::Generator::new(9);
        let (first, second) = (g.trail(5), g.trail(5));
        let a = d.join("20231114221320.not_terminated");
        std::fs::write(&a, &first).unwrap();
        let link = d.join("current");
        std::os::unix::fs::symlink(&a, &link).unwrap();
        let follow = Follow::new(&link)
            .unwrap()
            .poll_every(Duration::from_millis(2))
            .idle_limit(Duration::from_millis(300));
        let b = d.join("20231114221420.not_terminated");
        std::fs::write(&b, &second).unwrap();
        std::fs::remove_file(&link).unwrap();
        std::os::unix::fs::symlink(&b, &link).unwrap();
        let mut out = Vec::new();
        let mut follow = follow;
        follow.read_to_end(&mut out).unwrap();
        assert_eq!(out, [first, second].concat());
        std::fs::remove_dir_all(&d).unwrap();
    }
}
