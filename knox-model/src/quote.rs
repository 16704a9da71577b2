//! Quoting for the knox-native tools: arguments a shell can take back, and text that never
//! sends control characters or terminal escapes to a terminal raw.

/// Appends `arg` quoted for a POSIX shell: bare when it is made only of safe characters,
/// single-quoted when it is printable text, and `$'...'` (bash, zsh, ksh) with escapes when it
/// holds control characters, invalid UTF-8 or bidirectional-override characters.
pub fn shell_quote(out: &mut Vec<u8>, arg: &[u8]) {
    let safe = |c: u8| c.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&c);
    if !arg.is_empty() && arg.iter().all(|&c| safe(c)) {
        out.extend_from_slice(arg);
        return;
    }
    match std::str::from_utf8(arg) {
        Ok(s) if !s.chars().any(needs_escape) => {
            out.push(b'\'');
            for &c in arg {
                if c == b'\'' {
                    out.extend_from_slice(b"'\\''");
                } else {
                    out.push(c);
                }
            }
            out.push(b'\'');
        }
        _ => ansi_c_quote(out, arg),
    }
}

/// Characters that must not reach a terminal raw: controls (C0, DEL, C1) and the
/// bidirectional overrides that can make text read differently from what it is.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

fn ansi_c_quote(out: &mut Vec<u8>, arg: &[u8]) {
    use std::io::Write;
    out.extend_from_slice(b"$'");
    let mut rest = arg;
    while !rest.is_empty() {
        let (valid, bad) = match std::str::from_utf8(rest) {
            Ok(s) => (s, &[][..]),
            Err(e) => {
                let (v, b) = rest.split_at(e.valid_up_to());
                (std::str::from_utf8(v).unwrap_or(""), b)
            }
        };
        for ch in valid.chars() {
            match ch {
                '\\' => out.extend_from_slice(b"\\\\"),
                '\'' => out.extend_from_slice(b"\\'"),
                '\n' => out.extend_from_slice(b"\\n"),
                '\t' => out.extend_from_slice(b"\\t"),
                '\r' => out.extend_from_slice(b"\\r"),
                c if (c as u32) < 0x80 && needs_escape(c) => {
                    let _ = write!(out, "\\x{:02x}", c as u32);
                }
                c if needs_escape(c) => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => {
                    let mut b = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
                }
            }
        }
        match bad.first() {
            Some(&b) => {
                let _ = write!(out, "\\x{b:02x}");
                rest = &bad[1..];
            }
            None => rest = &[],
        }
    }
    out.push(b'\'');
}

/// Appends text for a terminal: printable characters as they are, everything that could
/// control the terminal escaped as in `$'...'` (without quotes).
pub fn safe_text(out: &mut Vec<u8>, b: &[u8]) {
    match std::str::from_utf8(b) {
        Ok(s) if !s.chars().any(needs_escape) && !s.contains('\\') => out.extend_from_slice(b),
        _ => {
            let mut q = Vec::new();
            ansi_c_quote(&mut q, b);
            out.extend_from_slice(&q[2..q.len() - 1]);
        }
    }
}

/// Appends a command line: the program's path as the first word (else `argv[0]`), then the
/// arguments after `argv[0]`, each shell-quoted. Returns whether anything was written.
pub fn command_line<'a>(
    out: &mut Vec<u8>,
    path: Option<&[u8]>,
    argv: impl IntoIterator<Item = &'a [u8]>,
) -> bool {
    let mut argv = argv.into_iter();
    let first = match path {
        Some(p) => {
            argv.next();
            Some(p)
        }
        None => argv.next(),
    };
    let Some(first) = first else {
        return false;
    };
    shell_quote(out, first);
    for a in argv {
        out.push(b' ');
        shell_quote(out, a);
    }
    true
}

/// The command line of the program a process runs (see [`command_line`]), or `-` when the
/// trail shows none.
pub fn process_command_line<T>(p: &crate::Process<T>) -> String {
    let mut out = Vec::new();
    let written = match p.image() {
        Some(image) => command_line(&mut out, image.path.as_deref(), image.argv()),
        None => false,
    };
    if !written {
        return "-".into();
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(a: &[u8]) -> String {
        let mut v = Vec::new();
        shell_quote(&mut v, a);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn quoting_round_trips_through_a_shell_syntax() {
        assert_eq!(q(b"/bin/ls"), "/bin/ls");
        assert_eq!(q(b"-la"), "-la");
        assert_eq!(q(b""), "''");
        assert_eq!(q(b"My Documents"), "'My Documents'");
        assert_eq!(q(b"it's"), "'it'\\''s'");
        assert_eq!(q("café".as_bytes()), "'café'");
        assert_eq!(q(b"new\nline"), "$'new\\nline'");
        assert_eq!(q(b"\x1b[31mred"), "$'\\x1b[31mred'");
        assert_eq!(q(b"bad\xff"), "$'bad\\xff'");
        assert_eq!(q("a\u{202e}b".as_bytes()), "$'a\\u202eb'");
        assert_eq!(q(b"a'\\b\t"), "$'a\\'\\\\b\\t'");
    }

    #[test]
    fn safe_text_escapes_terminal_controls() {
        let mut v = Vec::new();
        safe_text(&mut v, b"ok \x1b]0;title\x07");
        assert_eq!(v, b"ok \\x1b]0;title\\x07");
        let mut v = Vec::new();
        safe_text(&mut v, b"plain text");
        assert_eq!(v, b"plain text");
    }
}
