//! What a knox command could not do. Every message a run gives is one of these, written once by
//! the command line (`cli`), which also decides the exit status: a usage error exits 2.

use std::path::PathBuf;

/// An error of knox's own making (the reading loop's decode problems are reported apart, as
/// they are found, and do not stop a run).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line asks for what cannot be done: a bad value, a conflict, an unknown
    /// name. The text says what, and what is expected.
    #[error("{0}")]
    Usage(String),
    /// A file that knox was told to read (an event table, an account file) cannot be.
    #[error("{what}{}: {}", path.display(), knox_read::problem::io_text(.source))]
    Read {
        /// What the file is (`"event table "`), as the message names it before its path.
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file or directory the command line names cannot be used as asked (a Parquet directory
    /// that cannot be made, rules that cannot be read, a page that cannot be written); the
    /// text names it and says why.
    #[error("{0}")]
    Unusable(String),
    /// The system cannot give what was asked (the live pipe on a system without one, root).
    #[error("{0}")]
    System(String),
    /// Writing the output or the messages failed (a closed pipe among them).
    #[error("{}", knox_read::problem::io_text(.0))]
    Io(#[from] std::io::Error),
}

impl Error {
    /// A usage error with this text.
    pub fn usage(text: impl Into<String>) -> Error {
        Error::Usage(text.into())
    }
}

/// knox-cli's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file_and_the_cause() {
        let e = Error::Read {
            what: "event table ",
            path: PathBuf::from("/etc/security/audit_event"),
            source: std::io::Error::from_raw_os_error(2),
        };
        assert_eq!(
            e.to_string(),
            "event table /etc/security/audit_event: No such file or directory"
        );
        assert!(std::error::Error::source(&e).is_some());
        assert_eq!(Error::usage("bad date").to_string(), "bad date");
    }
}
