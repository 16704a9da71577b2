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

/// Why a source could not be read, naming it: `PATH: what happened`.
pub fn unreadable(name: &str, e: &std::io::Error) -> String {
    format!("{name}: {}", io_text(e))
}
