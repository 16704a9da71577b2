//! Where records come from: files, trail directories (a copied `/var/audit`) and stdin.

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

/// An opened source.
pub enum Opened {
    /// A regular file, mapped into memory.
    Mapped(bsm_io::map::Mapped),
    Stream(Box<dyn Read>),
}

/// How the live audit pipe is set up: the classes to select (and for events not attributable
/// to a user), and the length of its queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSpec {
    pub flags: bsm_format::tables::AuMask,
    pub naflags: bsm_format::tables::AuMask,
    pub qlimit: Option<bsm_io::pipe::QueueLimit>,
}

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

    /// Opens the source: a regular file is mapped into memory, anything else read as a stream.
    pub fn open(&self) -> io::Result<Opened> {
        if let Source::File(p) = self {
            let f = File::open(p)?;
            return Ok(match bsm_io::map::map(&f)? {
                Some(m) => Opened::Mapped(m),
                None => Opened::Stream(Box::new(f)),
            });
        }
        self.open_stream().map(Opened::Stream)
    }

    /// Opens the source as a byte stream.
    pub fn open_stream(&self) -> io::Result<Box<dyn Read>> {
        Ok(match self {
            Source::Stdin => Box::new(io::stdin().lock()),
            Source::File(p) => Box::new(File::open(p)?),
            Source::Follow(p) => Box::new(bsm_io::follow::Follow::new(p)?),
            Source::Live(spec) => crate::live::open_stream(spec)?,
            Source::Memory(b) => Box::new(io::Cursor::new(b.clone())),
        })
    }
}

/// Expands command-line operands into sources: `-` is stdin, a directory becomes its trail
/// files in time order (by their `START.END` names; `.not_terminated` and `.crash_recovery`
/// included; the `current` link and other names skipped, so nothing is read twice), anything
/// else is a file. No operand means stdin.
pub fn expand(operands: &[PathBuf]) -> io::Result<Vec<Source>> {
    if operands.is_empty() {
        return Ok(vec![Source::Stdin]);
    }
    let mut out = Vec::new();
    for op in operands {
        if op.as_os_str() == "-" {
            out.push(Source::Stdin);
        } else if op.is_dir() {
            let files = trail_files(op)?;
            if files.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!(
                        "{}: no trail files (YYYYMMDDhhmmss.*) in this directory",
                        op.display()
                    ),
                ));
            }
            out.extend(files.into_iter().map(Source::File));
        } else {
            out.push(Source::File(op.clone()));
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

/// The trail files of a directory in time order.
pub fn trail_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name();
        let Some(t) = name.to_str().and_then(TrailName::parse) else {
            continue;
        };
        // Skip symlinks (auditd's `current` points at a file that is listed anyway).
        if e.file_type()?.is_symlink() {
            continue;
        }
        v.push((t, e.path()));
    }
    v.sort();
    Ok(v.into_iter().map(|(_, p)| p).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_expand_to_trail_files_in_time_order() {
        let d = std::env::temp_dir().join(format!("knox-input-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        for n in [
            "20231114221420.not_terminated",
            "20231114221320.20231114221420",
            "20231101000000.crash_recovery",
            "audit_control",
        ] {
            std::fs::write(d.join(n), b"").unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(d.join("20231114221420.not_terminated"), d.join("current"))
            .unwrap();
        let got: Vec<String> = expand(std::slice::from_ref(&d))
            .unwrap()
            .iter()
            .map(|s| s.name().rsplit('/').next().unwrap().to_string())
            .collect();
        assert_eq!(
            got,
            [
                "20231101000000.crash_recovery",
                "20231114221320.20231114221420",
                "20231114221420.not_terminated"
            ]
        );
        std::fs::remove_dir_all(&d).unwrap();
        assert_eq!(expand(&[]).unwrap(), vec![Source::Stdin]);
        assert_eq!(expand(&[PathBuf::from("-")]).unwrap(), vec![Source::Stdin]);
    }
}
