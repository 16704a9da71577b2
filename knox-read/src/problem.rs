//! Problems met while reading trails, how they are worded, and how they turn into exit codes.

use std::fmt;

use serde::Serialize;

/// One decode problem, with the file and offset it was found at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub file: String,
    pub offset: u64,
    pub message: String,
}

impl Problem {
    pub fn new(file: &str, e: &bsm_format::Error) -> Problem {
        Problem {
            file: file.to_string(),
            offset: e.offset,
            message: e.kind.to_string(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} at offset {}",
            self.file, self.message, self.offset
        )
    }
}

/// What went wrong during a run; decides the exit code.
#[derive(Debug, Default)]
pub struct Problems {
    /// Decode errors reported (exit 1).
    pub decode_errors: u64,
    /// Sources that could not be opened or read (exit 2).
    pub unreadable: Vec<String>,
}

impl Problems {
    /// Whether none of `sources` inputs could be read: a summary of them would say nothing.
    pub fn nothing_read(&self, sources: usize) -> bool {
        sources > 0 && self.unreadable.len() >= sources
    }

    /// 0 all decoded, 1 decode errors reported, 2 a source could not be read.
    pub fn exit_code(&self) -> i32 {
        if !self.unreadable.is_empty() {
            2
        } else if self.decode_errors > 0 {
            1
        } else {
            0
        }
    }
}

/// An I/O error in plain words, without Rust's `(os error N)` suffix.
pub fn io_text(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) if s.ends_with(')') => s[..i].to_string(),
        _ => s,
    }
}

/// Why a source could not be read, naming it: `PATH: what happened`, and what to do where
/// there is something to do.
pub fn unreadable(name: &str, e: &std::io::Error) -> String {
    format!("{name}: {}", path_problem(std::path::Path::new(name), e))
}

/// What went wrong with a path, in words, with a hint for the cases a user meets with copied
/// trails: a root-only directory, a `current` link copied without its file.
pub fn path_problem(path: &std::path::Path, e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::PermissionDenied => "permission denied (a copied /var/audit is readable by \
             root only: run knox with sudo, or copy the trails with your own user as owner)"
            .to_string(),
        ErrorKind::NotFound => match std::fs::read_link(path) {
            Ok(target) => format!(
                "a dangling link to {} (copied without the file it points to; give its \
                 directory instead, whose trail files are read)",
                target.display()
            ),
            Err(_) => "no such file or directory".to_string(),
        },
        _ => io_text(e),
    }
}
