//! Sigma's string values: wildcards (`*` any run, `?` one character), their escapes, and how a
//! value is tested against a field.
//!
//! Escapes, as the specification lists them: a backslash before `*`, `?` or another backslash
//! makes that character plain; any other backslash is plain itself. So `\*` is a star, `\\*` a
//! backslash then a wildcard, `\\\*` a backslash then a star, and `\\` one backslash.

/// One piece of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Plain text.
    Text(String),
    /// `?`: exactly one character.
    One,
    /// `*`: any run of characters, empty included.
    Any,
}

/// A value as pieces (adjacent text joined).
pub fn parse(value: &str) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    let push_char = |out: &mut Vec<Piece>, c: char| match out.last_mut() {
        Some(Piece::Text(t)) => t.push(c),
        _ => out.push(Piece::Text(c.to_string())),
    };
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&n @ ('*' | '?' | '\\')) => {
                    chars.next();
                    push_char(&mut out, n);
                }
                _ => push_char(&mut out, '\\'),
            },
            '*' => {
                if out.last() != Some(&Piece::Any) {
                    out.push(Piece::Any);
                }
            }
            '?' => out.push(Piece::One),
            c => push_char(&mut out, c),
        }
    }
    out
}

/// The pieces of a plain string (no wildcard meaning at all: what a modifier like `base64`
/// produced).
pub fn plain(value: &str) -> Vec<Piece> {
    if value.is_empty() {
        return Vec::new();
    }
    vec![Piece::Text(value.to_string())]
}

/// How a pattern is tested, by its shape: the common shapes are answered from where its text
/// occurs in the value (found for every pattern of a field in one pass), the others by a
/// matcher of their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// `text`: the whole value.
    Equals(String),
    /// `text*`.
    StartsWith(String),
    /// `*text`.
    EndsWith(String),
    /// `*text*`.
    Contains(String),
    /// Anything else (inner wildcards, `?`): the pieces, and the longest text every match holds.
    Glob(Vec<Piece>, Option<String>),
    /// `*` alone: any value (an empty one included).
    Anything,
}

/// The shape of a pattern; text lowercased unless `cased`.
pub fn shape(pieces: &[Piece], cased: bool) -> Shape {
    let fold = |s: &str| {
        if cased {
            s.to_string()
        } else {
            s.to_lowercase()
        }
    };
    match pieces {
        [] => Shape::Equals(String::new()),
        [Piece::Any] => Shape::Anything,
        [Piece::Text(t)] => Shape::Equals(fold(t)),
        [Piece::Text(t), Piece::Any] => Shape::StartsWith(fold(t)),
        [Piece::Any, Piece::Text(t)] => Shape::EndsWith(fold(t)),
        [Piece::Any, Piece::Text(t), Piece::Any] => Shape::Contains(fold(t)),
        _ => {
            let folded: Vec<Piece> = pieces
                .iter()
                .map(|p| match p {
                    Piece::Text(t) => Piece::Text(fold(t)),
                    p => p.clone(),
                })
                .collect();
            let longest = folded
                .iter()
                .filter_map(|p| match p {
                    Piece::Text(t) => Some(t.clone()),
                    _ => None,
                })
                .max_by_key(|t| t.len());
            Shape::Glob(folded, longest)
        }
    }
}

/// Whether `text` matches the pieces (already folded as `text` is).
pub fn glob(pieces: &[Piece], text: &str) -> bool {
    // Backtracking over the last `*` (the classic wildcard algorithm: linear in practice).
    let t: Vec<char> = text.chars().collect();
    let mut tokens: Vec<Tok> = Vec::new();
    for p in pieces {
        match p {
            Piece::Text(s) => tokens.extend(s.chars().map(Tok::Char)),
            Piece::One => tokens.push(Tok::One),
            Piece::Any => tokens.push(Tok::Any),
        }
    }
    let (mut i, mut j) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while i < t.len() {
        match tokens.get(j) {
            Some(Tok::Char(c)) if *c == t[i] => {
                i += 1;
                j += 1;
            }
            Some(Tok::One) => {
                i += 1;
                j += 1;
            }
            Some(Tok::Any) => {
                star = Some((j, i));
                j += 1;
            }
            _ => match star {
                Some((sj, si)) => {
                    j = sj + 1;
                    i = si + 1;
                    star = Some((sj, si + 1));
                }
                None => return false,
            },
        }
    }
    tokens[j..].iter().all(|t| *t == Tok::Any)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Char(char),
    One,
    Any,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Piece {
        Piece::Text(s.into())
    }

    #[test]
    fn escapes_are_read_as_the_specification_lists_them() {
        // The specification's cases, one by one.
        assert_eq!(parse(r"a\*b"), vec![text("a*b")]);
        assert_eq!(parse(r"a\?b"), vec![text("a?b")]);
        assert_eq!(parse(r"C:\Windows"), vec![text(r"C:\Windows")]);
        assert_eq!(parse(r"C:\\Windows"), vec![text(r"C:\Windows")]);
        assert_eq!(parse(r"a\\*"), vec![text(r"a\"), Piece::Any]);
        assert_eq!(parse(r"a\\\*"), vec![text(r"a\*")]);
        assert_eq!(parse(r"a\\\\"), vec![text(r"a\\")]);
        assert_eq!(parse(r"a\\\\\\"), vec![text(r"a\\\")]);
        assert_eq!(
            parse("prog?.exe"),
            vec![text("prog"), Piece::One, text(".exe")]
        );
        assert_eq!(parse("a**b"), vec![text("a"), Piece::Any, text("b")]);
    }

    #[test]
    fn shapes_and_globs() {
        assert_eq!(
            shape(&parse("*/Curl"), false),
            Shape::EndsWith("/curl".into())
        );
        assert_eq!(
            shape(&parse("*/Curl"), true),
            Shape::EndsWith("/Curl".into())
        );
        assert_eq!(shape(&parse("x*"), false), Shape::StartsWith("x".into()));
        assert_eq!(shape(&parse("*x*"), false), Shape::Contains("x".into()));
        assert_eq!(shape(&parse("*"), false), Shape::Anything);
        let Shape::Glob(p, longest) = shape(&parse("antivirus_V*.exe"), false) else {
            panic!()
        };
        assert_eq!(longest.as_deref(), Some("antivirus_v"));
        assert!(glob(&p, "antivirus_v1.exe"));
        assert!(glob(&p, "antivirus_v21.2.1.exe"));
        assert!(!glob(&p, "antivirus_v1.exe.bak"));
        let p = parse("prog?.exe");
        assert!(glob(&p, "progA.exe"));
        assert!(!glob(&p, "prog.exe"));
        assert!(!glob(&p, "progAB.exe"));
        assert!(glob(&parse("*a*b*c*"), "xxaxxbxxcxx"));
        assert!(!glob(&parse("*a*b*c*"), "xxaxxcxxbxx"));
        assert!(glob(&parse("a*"), "a"));
    }
}
