//! Running `knox praudit` in-process against the oracle, and the normalisations that state,
//! in code, where knox deliberately differs from OpenBSM's praudit.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The praudit flags behind an oracle output suffix (`modes.tsv`).
pub fn options_for(suffix: &str) -> Option<Vec<&'static str>> {
    Some(match suffix {
        "" => vec![],
        "-l" => vec!["-l"],
        "-n" => vec!["-n"],
        "-r" => vec!["-r"],
        "-s" => vec!["-s"],
        "-x" => vec!["-x"],
        "-lx" => vec!["-l", "-x"],
        "-ln" => vec!["-l", "-n"],
        "-lr" => vec!["-l", "-r"],
        "-ls" => vec!["-l", "-s"],
        "-xn" => vec!["-x", "-n"],
        "-xr" => vec!["-x", "-r"],
        "-xs" => vec!["-x", "-s"],
        "-lxn" => vec!["-l", "-x", "-n"],
        "-d_pipe" => vec!["-d", "|"],
        "-l-d_pipe" => vec!["-l", "-d", "|"],
        "-l-d_colons" => vec!["-l", "-d", "::"],
        "-p" => vec!["-p"],
        _ => return None,
    })
}

/// Every suffix of `modes.tsv` that is a praudit run.
pub const SUFFIXES: [&str; 18] = [
    "",
    "-l",
    "-n",
    "-r",
    "-s",
    "-x",
    "-lx",
    "-ln",
    "-lr",
    "-ls",
    "-xn",
    "-xr",
    "-xs",
    "-lxn",
    "-d_pipe",
    "-l-d_pipe",
    "-l-d_colons",
    "-p",
];

/// Runs knox praudit (in this process, through its command line) over files with the oracle
/// host's names and events, in UTC; returns (stdout, stderr, exit code).
pub fn run(oracle: &Path, files: &[PathBuf], flags: &[&str]) -> (Vec<u8>, Vec<u8>, i32) {
    let env = oracle.join("env");
    let (events, passwd, group) = (
        env.join("audit_event"),
        env.join("passwd"),
        env.join("group"),
    );
    let mut args: Vec<&str> = vec!["knox", "praudit", "--utc", "-j", "1"];
    args.extend(["--events", events.to_str().unwrap()]);
    args.extend(["--passwd", passwd.to_str().unwrap()]);
    args.extend(["--group", group.to_str().unwrap()]);
    args.extend_from_slice(flags);
    args.push("--");
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    let (code, out, err) = knox::cli::run_on_bytes(&args, b"").expect("knox praudit runs");
    (out, err, code)
}

/// Difference 1: error texts. praudit printed the host's (glibc) `strerror`; knox prints BSD's
/// texts, as praudit does on macOS and FreeBSD. The oracle's errno table gives both for each BSM
/// errno: what this praudit printed, and libbsm's built-in (BSD) description. Texts are rewritten
/// only where a return token prints them.
pub struct ErrnoTexts(Vec<(Vec<u8>, Vec<u8>)>);

impl ErrnoTexts {
    pub fn load(oracle: &Path) -> ErrnoTexts {
        let text = std::fs::read_to_string(oracle.join("env/bsm_errno_table.tsv")).unwrap();
        let mut map: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split('\t').collect();
            let (n, printed, bsd) = (f[0], f[2], f.get(3).copied().unwrap_or(""));
            if n == "0" {
                continue;
            }
            // With a BSD description praudit prints it; without one, its "Unknown error" form.
            let want = if bsd.is_empty() {
                format!("failure: Unknown error: {n}")
            } else {
                format!("failure : {bsd}")
            };
            let prev = map.insert(printed.as_bytes().to_vec(), want.clone().into_bytes());
            assert!(
                prev.is_none_or(|p| p == want.as_bytes()),
                "two errnos printed {printed:?} but have different BSD texts"
            );
        }
        let mut v: Vec<_> = map.into_iter().collect();
        // Longest first, so that a text is never replaced by a shorter one it starts with.
        v.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
        ErrnoTexts(v)
    }

    /// Rewrites the error text of every return token: after `return` and the delimiter in text
    /// modes, in the `errval` attribute in XML.
    pub fn apply(&self, b: &[u8], delimiter: &[u8]) -> Vec<u8> {
        let text_start = [b"return".as_slice(), delimiter].concat();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            let rest = &b[i..];
            let lead = if rest.starts_with(b"<return errval=\"") {
                b"<return errval=\"".len()
            } else if rest.starts_with(&text_start) && (i == 0 || is_token_start(b, i, delimiter)) {
                text_start.len()
            } else {
                out.push(b[i]);
                i += 1;
                continue;
            };
            out.extend_from_slice(&rest[..lead]);
            i += lead;
            if let Some((from, to)) = self.0.iter().find(|(from, _)| b[i..].starts_with(from)) {
                out.extend_from_slice(to);
                i += from.len();
            }
        }
        out
    }
}

/// Whether a token starts at `i`: at a line start, or after the delimiter (`-l`).
fn is_token_start(b: &[u8], i: usize, delimiter: &[u8]) -> bool {
    b[..i].ends_with(b"\n") || b[..i].ends_with(delimiter)
}

/// The escaping knox's `-x` applies where praudit writes text raw, written here from the rules
/// (not from knox's code): `&` and `<` become entities, and `"` inside attribute values, `>`
/// after `]]`; tab and newline and valid UTF-8 pass; a byte XML cannot carry (other controls,
/// DEL, invalid UTF-8, the non-characters U+FFFE and U+FFFF) becomes its vis(3) form (`\^A`,
/// `\^?`, `\M-x`, `\M^X`), whose own `&`, `<`, `>`, `"` and `'` are entities too.
pub fn xml_escape(out: &mut Vec<u8>, b: &[u8], attribute: bool) {
    // Walk the bytes, with char boundaries from a checked decode of each sequence.
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let len = utf8_len(&b[i..]);
        match len {
            Some(n) if n > 1 => {
                let ch = &b[i..i + n];
                if ch == "\u{fffe}".as_bytes() || ch == "\u{ffff}".as_bytes() {
                    ch.iter().for_each(|&x| vis(out, x));
                } else {
                    out.extend_from_slice(ch);
                }
                i += n;
                continue;
            }
            Some(_) => match c {
                b'&' => out.extend_from_slice(b"&amp;"),
                b'<' => out.extend_from_slice(b"&lt;"),
                b'"' if attribute => out.extend_from_slice(b"&quot;"),
                b'>' if b[..i].ends_with(b"]]") => out.extend_from_slice(b"&gt;"),
                b'\t' | b'\n' => out.push(c),
                0..=0x1f | 0x7f => vis(out, c),
                _ => out.push(c),
            },
            None => vis(out, c),
        }
        i += 1;
    }
}

/// The length of the UTF-8 sequence at the start of `b`, if it is a valid one.
fn utf8_len(b: &[u8]) -> Option<usize> {
    let n = match b[0] {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return None,
    };
    let seq = b.get(..n)?;
    std::str::from_utf8(seq).ok().map(|_| n)
}

/// vis(3) of one byte, made safe for XML.
fn vis(out: &mut Vec<u8>, c: u8) {
    let mut v = vec![b'\\'];
    let low = c & 0x7f;
    if c & 0x80 != 0 {
        v.push(b'M');
        if low < 0x20 || low == 0x7f {
            v.push(b'^');
            v.push(if low == 0x7f { b'?' } else { low + b'@' });
        } else {
            v.push(b'-');
            v.push(low);
        }
    } else {
        v.push(b'^');
        v.push(if c == 0x7f { b'?' } else { c + b'@' });
    }
    for x in v {
        match x {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            b'\'' => out.extend_from_slice(b"&apos;"),
            x => out.push(x),
        }
    }
}

fn replace(b: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn find(b: &[u8], pat: &[u8], from: usize) -> Option<usize> {
    b.get(from..)?
        .windows(pat.len())
        .position(|w| w == pat)
        .map(|p| p + from)
}

/// Difference 4: praudit's XML is not always well-formed; knox fixes each broken construct the
/// obvious way. This turns praudit's output into what knox prints, construct by construct.
pub fn fix_praudit_xml(b: &[u8], oneline: bool) -> Vec<u8> {
    let mut b = header32_ex_as_attributes(b);
    b = replace(&b, b"<IPCipc-type=", b"<IPC ipc-type=");
    b = replace(&b, b"</gid></group><gid>", b"</gid><gid>");
    b = replace(&b, b"<group>\n", b"<group></group>\n");
    b = replace(&b, b"<group></record>", b"<group></group></record>");
    b = replace(&b, b"<arbitrary \n", b"<arbitrary />\n");
    b = replace(&b, b"<arbitrary </record>", b"<arbitrary /></record>");
    for (bad, element, attr) in [
        (&b"arg_uuid-num=\""[..], &b"arg_uuid"[..], &b"num=\""[..]),
        (b"ret_uuid-num=\"", b"ret_uuid", b"num=\""),
        (b"type=\"", b"privilege", b"type=\""),
        (b"status=\"", b"use_of_privilege", b"status=\""),
    ] {
        b = name_bare_attributes(&b, bad, element, attr);
    }
    b = close_open_records(&b, oneline);
    escape_text(&b)
}

/// `<record ,SIZE,VER,EVENT,MOD,HOST,TIME, + N msec` (praudit prints header32_ex in text form) →
/// `<record version="VER" event="EVENT" modifier="MOD" host="HOST" time="TIME" msec=" + N msec" >`.
fn header32_ex_as_attributes(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = find(b, b"<record ,", i) {
        out.extend_from_slice(&b[i..p]);
        let start = p + b"<record ,".len();
        let end = find(b, b" msec", start).expect("header_ex ends in msec") + b" msec".len();
        let h = std::str::from_utf8(&b[start..end]).unwrap();
        let (msec_at, _) = h.rmatch_indices(", + ").next().unwrap();
        let (head, msec) = (&h[..msec_at], &h[msec_at + 1..]);
        let mut back = head.rsplitn(4, ',');
        let (time, host, modifier, rest) = (
            back.next().unwrap(),
            back.next().unwrap(),
            back.next().unwrap(),
            back.next().unwrap(),
        );
        let mut front = rest.splitn(3, ',');
        let (_size, version, event) = (
            front.next().unwrap(),
            front.next().unwrap(),
            front.next().unwrap(),
        );
        out.extend_from_slice(
            format!("<record version=\"{version}\" event=\"{event}\" modifier=\"{modifier}\" host=\"{host}\" time=\"{time}\" msec=\"{msec}\" >").as_bytes(),
        );
        i = end;
    }
    out.extend_from_slice(&b[i..]);
    out
}

/// praudit prints some tokens as attributes with no element: `bad...` at the start of a token
/// (line start, or after `>` in -l) becomes `<element attr... />`.
fn name_bare_attributes(b: &[u8], bad: &[u8], element: &[u8], attr: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = find(b, bad, i) {
        let at_token_start = p == 0 || b[p - 1] == b'\n' || b[p - 1] == b'>';
        if !at_token_start {
            out.extend_from_slice(&b[i..p + bad.len()]);
            i = p + bad.len();
            continue;
        }
        out.extend_from_slice(&b[i..p]);
        out.push(b'<');
        out.extend_from_slice(element);
        out.push(b' ');
        out.extend_from_slice(attr);
        // The attributes end with `" ` followed by the end of the token (newline or `<`).
        let mut j = p + bad.len();
        loop {
            let q = find(b, b"\" ", j).expect("attribute list ends");
            if matches!(b.get(q + 2), Some(b'\n' | b'<') | None) {
                out.extend_from_slice(&b[p + bad.len()..q + 2]);
                out.extend_from_slice(b"/>");
                i = q + 2;
                break;
            }
            j = q + 2;
        }
    }
    out.extend_from_slice(&b[i..]);
    out
}

/// praudit leaves `<record>` open when it skips the rest of a record; knox closes it. (Text
/// content may contain newlines, so a record is open until its `</record>` or the next unit.)
fn close_open_records(b: &[u8], oneline: bool) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    let mut open = false;
    for line in b.split_inclusive(|&c| c == b'\n') {
        let starts_unit = line.starts_with(b"<record ")
            || line == b"</audit>\n"
            || (oneline && line.starts_with(b"<file "));
        if starts_unit && open {
            if oneline {
                out.pop();
                out.extend_from_slice(b"</record>\n");
            } else {
                out.extend_from_slice(b"</record>\n");
            }
        }
        if line.starts_with(b"<record ") {
            open = true;
        }
        if line.ends_with(b"</record>\n") {
            open = false;
        }
        out.extend_from_slice(line);
    }
    out
}

/// praudit prints path, text, file names, data and attribute values unescaped; knox escapes them.
fn escape_text(b: &[u8]) -> Vec<u8> {
    const RAW_CONTENT: [&[u8]; 4] = [b"path", b"text", b"file", b"arbitrary"];
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' || b[i..].starts_with(b"</") || b[i..].starts_with(b"<?") {
            out.push(b[i]);
            i += 1;
            continue;
        }
        // A start tag: copy it, escaping attribute values (which end at `"` + space, `>` or `/`).
        let name_end = i
            + 1
            + b[i + 1..]
                .iter()
                .position(|&c| c == b' ' || c == b'>' || c == b'/')
                .unwrap_or(0);
        let name = &b[i + 1..name_end];
        let mut j = name_end;
        out.extend_from_slice(&b[i..j]);
        loop {
            match b.get(j) {
                None => break,
                Some(b'>') => {
                    out.push(b'>');
                    j += 1;
                    break;
                }
                Some(_) if b[j..].starts_with(b"=\"") => {
                    out.extend_from_slice(b"=\"");
                    let mut k = j + 2;
                    while !(b[k] == b'"' && matches!(b.get(k + 1), Some(b' ' | b'>' | b'/'))) {
                        k += 1;
                    }
                    xml_escape(&mut out, &b[j + 2..k], true);
                    out.push(b'"');
                    j = k + 1;
                }
                Some(&c) => {
                    out.push(c);
                    j += 1;
                }
            }
        }
        i = j;
        let self_closing = out.ends_with(b"/>");
        if RAW_CONTENT.contains(&name) && !self_closing {
            let close = [b"</", name, b">"].concat();
            let end = find(b, &close, i).expect("element closes");
            xml_escape(&mut out, &b[i..end], false);
            i = end;
        }
    }
    out
}
