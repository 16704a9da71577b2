//! Where records come from: files, trail directories (a copied `/var/audit`), trees of hosts,
//! stdin, bytes in memory, followed trails and the live pipe.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use bsm_format::trailname::TrailName;

/// One source of BSM bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Stdin,
    File(PathBuf),
    /// A trail file, `current` link or trail directory followed as it is written.
    Follow(PathBuf),
    /// The live audit stream (`/dev/auditpipe`) with these classes.
    Live(LiveSpec),
    /// Bytes in memory, read as stdin would be (tests and fuzzing drive the tools this way).
    Memory(std::sync::Arc<[u8]>),
}

/// An opened source: bytes to read in order, and what opening it had to say (the live pipe's
/// notes on its queue or the audit policy), for the reading loop to report.
pub struct Opened {
    pub reader: Box<dyn Read>,
    pub notes: Vec<String>,
}

/// A regular file, read with `read` into the loop's buffers (not mapped: a mapped file that
/// shrinks under its reader kills it with SIGBUS, and a mapped file's pages stay resident while
/// garbage is scanned). When it ends short of the length it had when opened, it shrank while
/// it was read (a copytruncate rotation, a file on a network share, a mistake): that is an
/// error naming where it ended, not a quiet end of input.
struct Regular {
    file: File,
    at_open: u64,
    read: u64,
}

impl Read for Regular {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        self.read += n as u64;
        if n == 0 && !buf.is_empty() && self.read < self.at_open {
            let now = self.file.metadata().map_or(self.read, |m| m.len());
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "the file shrank while it was read: {} bytes when opened, {now} now",
                    self.at_open
                ),
            ));
        }
        Ok(n)
    }
}

/// How the front end opens the live pipe: the spec, and notes to add to.
pub type OpenLive = fn(&LiveSpec, notes: &mut Vec<String>) -> io::Result<Box<dyn Read>>;

/// How the live audit pipe is set up: the classes to select (and for events not attributable
/// to a user), and the length of its queue.
#[derive(Debug, Clone)]
pub struct LiveSpec {
    pub flags: bsm_format::tables::AuMask,
    pub naflags: bsm_format::tables::AuMask,
    pub qlimit: Option<bsm_io::pipe::QueueLimit>,
    /// Audit policies the tool needs (`argv` for command lines): a note is printed when the
    /// kernel's policy lacks one.
    pub policy: bsm_io::auditon::Policy,
    /// Opens the pipe as the spec says, adding to `notes` what the user should know. The front
    /// end gives it: opening the live pipe may take privileges, which is the front end's
    /// business.
    pub open: OpenLive,
}

/// Two specs are the same when they select the same (whoever opens the pipe).
impl PartialEq for LiveSpec {
    fn eq(&self, o: &LiveSpec) -> bool {
        (self.flags, self.naflags, self.qlimit, self.policy)
            == (o.flags, o.naflags, o.qlimit, o.policy)
    }
}

impl Eq for LiveSpec {}

impl Source {
    /// How the source is named in messages (`-` for stdin, as praudit does).
    pub fn name(&self) -> String {
        match self {
            Source::Stdin | Source::Memory(_) => "-".to_string(),
            Source::File(p) | Source::Follow(p) => p.display().to_string(),
            Source::Live(_) => "/dev/auditpipe".to_string(),
        }
    }

    /// Whether records arrive over time (output should then be written as it comes).
    pub fn is_live(&self) -> bool {
        matches!(self, Source::Follow(_) | Source::Live(_))
    }

    /// Whether the source is stdin or a file that is not a regular file (a named pipe, a
    /// device such as `/dev/auditpipe`), whose records may arrive over time.
    pub fn is_piped(&self) -> bool {
        match self {
            Source::Stdin => true,
            Source::File(p) => std::fs::metadata(p).is_ok_and(|m| !m.is_file()),
            _ => false,
        }
    }

    /// Opens the source: a regular file is read knowing its length (see [`Regular`]), anything
    /// else as the stream it is.
    pub fn open(&self) -> io::Result<Opened> {
        let mut notes = Vec::new();
        let reader: Box<dyn Read> = match self {
            Source::File(p) => {
                let file = File::open(p)?;
                let meta = file.metadata()?;
                if meta.is_file() {
                    Box::new(Regular {
                        file,
                        at_open: meta.len(),
                        read: 0,
                    })
                } else {
                    Box::new(file)
                }
            }
            Source::Stdin => Box::new(io::stdin().lock()),
            Source::Follow(p) => Box::new(bsm_io::follow::Follow::new(p)?),
            Source::Live(spec) => (spec.open)(spec, &mut notes)?,
            Source::Memory(b) => Box::new(io::Cursor::new(b.clone())),
        };
        Ok(Opened { reader, notes })
    }
}

/// A source with what its path says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub source: Source,
    /// The host its name says it is from: the trail file name's `.HOST` suffix, else the
    /// per-host directory it was found in.
    pub host: Option<String>,
    /// The trail file name, when it is one.
    pub trail: Option<TrailName>,
}

impl Input {
    fn of(source: Source) -> Input {
        Input {
            source,
            host: None,
            trail: None,
        }
    }
}

/// What the operands expand to: the inputs to read, in order, and the files that were passed
/// over, each with why (`NOTES.txt: not a trail file name`).
#[derive(Debug, Default)]
pub struct Expanded {
    pub inputs: Vec<Input>,
    pub skipped: Vec<String>,
}

/// Expands command-line operands into inputs. `-` is stdin; a file is read as it is; a trail
/// directory (a copied `/var/audit`) becomes its trail files (`START.END`, `.not_terminated`,
/// `.crash_recovery`, with or without a `.HOST` suffix), host by host, each in time order; a
/// directory without trail files whose subdirectories hold them (auditdistd's
/// `/var/audit/remote/<host>/`, a case folder of copied machines) becomes the trail files of each
/// subdirectory, the subdirectory naming the host. The `current` link is never read (its file is
/// read under its own name), and everything not read is named in [`Expanded::skipped`]. No
/// operand means stdin.
pub fn expand(operands: &[PathBuf]) -> io::Result<Expanded> {
    let mut out = Expanded::default();
    if operands.is_empty() {
        out.inputs.push(Input::of(Source::Stdin));
        return Ok(out);
    }
    for op in operands {
        if op.as_os_str() == "-" {
            out.inputs.push(Input::of(Source::Stdin));
        } else if op.is_dir() {
            let dir = read_dir(op)?;
            if !dir.trails.is_empty() {
                out.skipped.extend(dir.skipped);
                out.skipped.extend(
                    dir.dirs
                        .iter()
                        .map(|d| format!("{}: a directory inside a trail directory", d.display())),
                );
                out.inputs.extend(dir.trails);
                continue;
            }
            // A tree: one trail directory per host.
            let mut found = false;
            out.skipped.extend(dir.skipped);
            for sub in dir.dirs {
                let host = sub.file_name().map(|n| n.to_string_lossy().into_owned());
                let d = read_dir(&sub)?;
                if d.trails.is_empty() {
                    out.skipped
                        .push(format!("{}: no trail files", sub.display()));
                    continue;
                }
                found = true;
                out.skipped.extend(d.skipped);
                out.skipped.extend(
                    d.dirs
                        .iter()
                        .map(|x| format!("{}: a directory inside a trail directory", x.display())),
                );
                out.inputs.extend(d.trails.into_iter().map(|mut i| {
                    i.host = i.host.or_else(|| host.clone());
                    i
                }));
            }
            if !found {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!(
                        "{}: no trail files (YYYYMMDDhhmmss.*) in this directory or in \
                         directories under it",
                        op.display()
                    ),
                ));
            }
        } else {
            let name = op.file_name().and_then(|n| n.to_str());
            let parsed = name.and_then(TrailName::parse_with_host);
            out.inputs.push(Input {
                source: Source::File(op.clone()),
                host: parsed.and_then(|(_, h)| h.map(str::to_string)),
                trail: parsed.map(|(t, _)| t),
            });
        }
    }
    Ok(out)
}

/// Sources for `--follow`: each operand followed as it is written (no operand: stdin, which
/// streams anyway).
pub fn follow(operands: &[PathBuf]) -> Vec<Source> {
    if operands.is_empty() {
        return vec![Source::Stdin];
    }
    operands
        .iter()
        .map(|p| {
            if p.as_os_str() == "-" {
                Source::Stdin
            } else {
                Source::Follow(p.clone())
            }
        })
        .collect()
}

/// What a directory holds: trail files (by host, then in time order), subdirectories, and the
/// entries passed over with why.
struct Dir {
    trails: Vec<Input>,
    dirs: Vec<PathBuf>,
    skipped: Vec<String>,
}

fn read_dir(dir: &Path) -> io::Result<Dir> {
    let mut trails = Vec::new();
    let mut dirs = Vec::new();
    let mut skipped = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| with_path(dir, e))?;
    for e in entries {
        let e = e.map_err(|e| with_path(dir, e))?;
        let path = e.path();
        let name = e.file_name();
        let kind = e.file_type().map_err(|e| with_path(&path, e))?;
        if kind.is_symlink() {
            // auditd's `current` points at the open trail file, which is read under its own
            // name; a copied link often points nowhere.
            let why = match std::fs::metadata(&path) {
                Ok(_) => "a link (the file it points to is read under its own name)",
                Err(_) => "a link to a file that is not there",
            };
            skipped.push(format!("{}: {why}", path.display()));
            continue;
        }
        if kind.is_dir() {
            dirs.push(path);
            continue;
        }
        match name.to_str().and_then(TrailName::parse_with_host) {
            Some((t, host)) => trails.push((host.map(str::to_string), t, path)),
            None => skipped.push(format!("{}: not a trail file name", path.display())),
        }
    }
    trails.sort();
    dirs.sort();
    skipped.sort();
    Ok(Dir {
        trails: trails
            .into_iter()
            .map(|(host, t, path)| Input {
                source: Source::File(path),
                host,
                trail: Some(t),
            })
            .collect(),
        dirs,
        skipped,
    })
}

/// An I/O error that names its path.
fn with_path(p: &Path, e: io::Error) -> io::Error {
    io::Error::new(
        e.kind(),
        format!("{}: {}", p.display(), crate::problem::path_problem(p, &e)),
    )
}

/// The trail files of a directory (its own, not a tree's), by host then in time order.
pub fn trail_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    Ok(read_dir(dir)?
        .trails
        .into_iter()
        .filter_map(|i| match i.source {
            Source::File(p) => Some(p),
            _ => None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn devices_and_stdin_are_piped_regular_files_are_not() {
        assert!(Source::Stdin.is_piped());
        assert!(Source::File("/dev/null".into()).is_piped());
        let here = std::env::current_exe().unwrap();
        assert!(!Source::File(here).is_piped());
        assert!(!Source::Memory(Vec::new().into()).is_piped());
    }

    fn names(e: &Expanded) -> Vec<(String, Option<String>)> {
        e.inputs
            .iter()
            .map(|i| {
                let n = i.source.name();
                let tail: Vec<&str> = n.rsplit('/').take(2).collect();
                (format!("{}/{}", tail[1], tail[0]), i.host.clone())
            })
            .collect()
    }

    #[test]
    fn directories_and_trees_expand_to_trail_files_by_host_in_time_order() {
        let d = std::env::temp_dir().join(format!("knox-input-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let flat = d.join("flat");
        std::fs::create_dir_all(flat.join("dist")).unwrap();
        for n in [
            "20231114221420.not_terminated",
            "20231114221320.20231114221420",
            "20231101000000.crash_recovery",
            "20231101000000.20231101000100.other.example.org",
            "audit_control",
        ] {
            std::fs::write(flat.join(n), b"").unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(
            flat.join("20231114221420.not_terminated"),
            flat.join("current"),
        )
        .unwrap();
        let e = expand(std::slice::from_ref(&flat)).unwrap();
        assert_eq!(
            names(&e),
            [
                ("flat/20231101000000.crash_recovery".into(), None),
                ("flat/20231114221320.20231114221420".into(), None),
                ("flat/20231114221420.not_terminated".into(), None),
                (
                    "flat/20231101000000.20231101000100.other.example.org".into(),
                    Some("other.example.org".into())
                ),
            ]
        );
        let skipped: Vec<String> = e
            .skipped
            .iter()
            .map(|s| s.rsplit('/').next().unwrap().to_string())
            .collect();
        #[cfg(unix)]
        assert!(skipped.contains(
            &"current: a link (the file it points to is read under its own name)".into()
        ));
        assert!(skipped.contains(&"audit_control: not a trail file name".into()));
        assert!(skipped.contains(&"dist: a directory inside a trail directory".into()));

        // A tree: one directory per host, named by the directory unless the file says.
        let tree = d.join("remote");
        for (host, file) in [
            ("mac1", "20231114221320.20231114221420"),
            ("mac1", "20231114221420.not_terminated"),
            ("bsd2", "20231114221320.20231114221420.bsd2.example.org"),
            ("empty", ""),
        ] {
            std::fs::create_dir_all(tree.join(host)).unwrap();
            if !file.is_empty() {
                std::fs::write(tree.join(host).join(file), b"").unwrap();
            }
        }
        std::fs::write(tree.join("NOTES.txt"), b"").unwrap();
        let e = expand(std::slice::from_ref(&tree)).unwrap();
        assert_eq!(
            names(&e),
            [
                (
                    "bsd2/20231114221320.20231114221420.bsd2.example.org".into(),
                    Some("bsd2.example.org".into())
                ),
                (
                    "mac1/20231114221320.20231114221420".into(),
                    Some("mac1".into())
                ),
                (
                    "mac1/20231114221420.not_terminated".into(),
                    Some("mac1".into())
                ),
            ]
        );
        assert!(e
            .skipped
            .iter()
            .any(|s| s.ends_with("NOTES.txt: not a trail file name")));
        assert!(e
            .skipped
            .iter()
            .any(|s| s.ends_with("empty: no trail files")));
        // A directory with neither is an error that names it.
        let none = d.join("none");
        std::fs::create_dir_all(&none).unwrap();
        let err = expand(std::slice::from_ref(&none)).unwrap_err().to_string();
        assert!(err.contains("none: no trail files"), "{err}");
        std::fs::remove_dir_all(&d).unwrap();
        assert_eq!(expand(&[]).unwrap().inputs, vec![Input::of(Source::Stdin)]);
    }
}
