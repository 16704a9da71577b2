//! Path globs of `knox files --path`.

/// Turns a path glob into an anchored regex: `**` any characters, `*` and `?` within a component.
pub fn glob_regex(glob: &str) -> Result<regex::bytes::Regex, regex::Error> {
    let mut re = String::from("^");
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                re.push_str(".*");
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    regex::bytes::Regex::new(&re)
}
