//! Path globs of `knox files --path`, in globset's syntax: `*` and `?` within a path component,
//! `**` across components, `[abc]` / `[!abc]` classes, `{a,b}` alternatives, `\\` escapes.

/// Compiles a path glob to a regex over path bytes (trail paths need not be UTF-8).
pub fn glob_regex(glob: &str) -> Result<regex::bytes::Regex, crate::error::Error> {
    use crate::error::Error;
    let g = globset::GlobBuilder::new(glob)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|e| Error::usage(e.to_string()))?;
    regex::bytes::Regex::new(g.regex()).map_err(|e| Error::usage(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::glob_regex;

    fn matches(glob: &str, path: &[u8]) -> bool {
        glob_regex(glob).unwrap().is_match(path)
    }

    #[test]
    fn globs_match_within_and_across_components() {
        assert!(matches("/etc/*", b"/etc/passwd"));
        assert!(!matches("/etc/*", b"/etc/ssh/sshd_config"));
        assert!(matches("/etc/**", b"/etc/ssh/sshd_config"));
        assert!(matches("/Users/*/.ssh/*", b"/Users/alice/.ssh/id_ed25519"));
        assert!(matches("/tmp/file?.c", b"/tmp/file7.c"));
        assert!(!matches("/tmp/file?.c", b"/tmp/file/.c"));
        assert!(matches("/etc/{passwd,shadow}", b"/etc/shadow"));
        assert!(!matches("/etc/{passwd,shadow}", b"/etc/group"));
        assert!(matches("/dev/tty[0-9]", b"/dev/tty3"));
        assert!(!matches("/dev/tty[!0-9]", b"/dev/tty3"));
        assert!(matches("/tmp/\\*", b"/tmp/*"));
        assert!(!matches("/tmp/\\*", b"/tmp/a"));
        // Not UTF-8, as trail paths may be.
        assert!(matches("/tmp/*", b"/tmp/\xff\xfe"));
        assert!(glob_regex("/tmp/[").is_err());
    }
}
