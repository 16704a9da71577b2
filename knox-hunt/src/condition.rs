//! Sigma conditions: `and`, `or`, `not`, parentheses, `1 of` / `all of` a search-identifier
//! pattern (wildcards `*`) or of `them` (every identifier not starting with `_`). Precedence,
//! least binding first: `or`, `and`, `not`, `x of`, parentheses.

/// A parsed condition, its identifiers resolved to their places among the rule's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cond {
    Id(usize),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    /// `1 of` these identifiers (false when there are none).
    AnyOf(Vec<usize>),
    /// `all of` these identifiers.
    AllOf(Vec<usize>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(String),
    Open,
    Close,
}

fn tokens(text: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Tok>| {
        if !word.is_empty() {
            out.push(Tok::Word(std::mem::take(word)));
        }
    };
    for c in text.chars() {
        match c {
            '(' => {
                flush(&mut word, &mut out);
                out.push(Tok::Open);
            }
            ')' => {
                flush(&mut word, &mut out);
                out.push(Tok::Close);
            }
            c if c.is_whitespace() => flush(&mut word, &mut out),
            c => word.push(c),
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Whether an identifier matches a pattern of `x of` (`selection_*`).
fn matches_pattern(pattern: &str, id: &str) -> bool {
    crate::pattern::glob(&crate::pattern::parse(pattern), id)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    at: usize,
    ids: &'a [String],
}

impl Parser<'_> {
    fn peek_word(&self) -> Option<&str> {
        match self.toks.get(self.at) {
            Some(Tok::Word(w)) => Some(w),
            _ => None,
        }
    }

    fn keyword(&self, k: &str) -> bool {
        self.peek_word().is_some_and(|w| w.eq_ignore_ascii_case(k))
    }

    fn or(&mut self) -> Result<Cond, String> {
        let mut items = vec![self.and()?];
        while self.keyword("or") {
            self.at += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Cond::Or(items)
        })
    }

    fn and(&mut self) -> Result<Cond, String> {
        let mut items = vec![self.not()?];
        while self.keyword("and") {
            self.at += 1;
            items.push(self.not()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Cond::And(items)
        })
    }

    fn not(&mut self) -> Result<Cond, String> {
        if self.keyword("not") {
            self.at += 1;
            return Ok(Cond::Not(Box::new(self.not()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Cond, String> {
        match self.toks.get(self.at).cloned() {
            Some(Tok::Open) => {
                self.at += 1;
                let c = self.or()?;
                if self.toks.get(self.at) != Some(&Tok::Close) {
                    return Err("a parenthesis is not closed".into());
                }
                self.at += 1;
                Ok(c)
            }
            Some(Tok::Close) => Err("a parenthesis closes nothing".into()),
            Some(Tok::Word(w)) => {
                self.at += 1;
                let quantity = if w == "1" || w.eq_ignore_ascii_case("any") {
                    Some(false)
                } else if w.eq_ignore_ascii_case("all") {
                    Some(true)
                } else {
                    None
                };
                if let (Some(all), true) = (quantity, self.keyword("of")) {
                    self.at += 1;
                    let Some(target) = self.peek_word().map(str::to_string) else {
                        return Err(format!("`{w} of` names nothing"));
                    };
                    self.at += 1;
                    let chosen: Vec<usize> = if target.eq_ignore_ascii_case("them") {
                        (0..self.ids.len())
                            .filter(|&i| !self.ids[i].starts_with('_'))
                            .collect()
                    } else {
                        (0..self.ids.len())
                            .filter(|&i| matches_pattern(&target, &self.ids[i]))
                            .collect()
                    };
                    if chosen.is_empty() {
                        return Err(format!("`{w} of {target}` matches no search identifier"));
                    }
                    return Ok(if all {
                        Cond::AllOf(chosen)
                    } else {
                        Cond::AnyOf(chosen)
                    });
                }
                if ["and", "or", "not", "of"]
                    .iter()
                    .any(|k| w.eq_ignore_ascii_case(k))
                {
                    return Err(format!("`{w}` where a search identifier should be"));
                }
                match self.ids.iter().position(|i| *i == w) {
                    Some(i) => Ok(Cond::Id(i)),
                    None => Err(format!("`{w}` is not a search identifier of the rule")),
                }
            }
            None => Err("the condition ends too early".into()),
        }
    }
}

/// Parses a condition over the rule's search identifiers (in their order).
pub fn parse(text: &str, ids: &[String]) -> Result<Cond, String> {
    if text.contains('|') {
        return Err("aggregations (`| count()` and the like) are not supported".into());
    }
    let mut p = Parser {
        toks: tokens(text),
        at: 0,
        ids,
    };
    let c = p.or()?;
    if p.at != p.toks.len() {
        return Err(format!("unexpected `{:?}` in the condition", p.toks[p.at]));
    }
    Ok(c)
}

impl Cond {
    /// The value of the condition, given each identifier's.
    pub fn eval(&self, id: &mut dyn FnMut(usize) -> bool) -> bool {
        match self {
            Cond::Id(i) => id(*i),
            Cond::Not(c) => !c.eval(id),
            Cond::And(cs) => cs.iter().all(|c| c.eval(id)),
            Cond::Or(cs) => cs.iter().any(|c| c.eval(id)),
            Cond::AnyOf(ids) => ids.iter().any(|&i| id(i)),
            Cond::AllOf(ids) => ids.iter().all(|&i| id(i)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    /// The condition's value for each assignment of its identifiers, as a bit string.
    fn table(cond: &str, names: &[&str]) -> String {
        let c = parse(cond, &ids(names)).unwrap();
        (0..1u32 << names.len())
            .map(|bits| {
                if c.eval(&mut |i| bits & (1 << i) != 0) {
                    '1'
                } else {
                    '0'
                }
            })
            .collect()
    }

    #[test]
    fn precedence_is_or_then_and_then_not() {
        // a or b and c == a or (b and c)
        assert_eq!(
            table("a or b and c", &["a", "b", "c"]),
            table("a or (b and c)", &["a", "b", "c"])
        );
        assert_ne!(
            table("a or b and c", &["a", "b", "c"]),
            table("(a or b) and c", &["a", "b", "c"])
        );
        // not binds tighter than and
        assert_eq!(
            table("not a and b", &["a", "b"]),
            table("(not a) and b", &["a", "b"])
        );
        assert_eq!(table("a and not b", &["a", "b"]), "0100");
        // keywords in any case
        assert_eq!(table("a AND NOT b", &["a", "b"]), "0100");
    }

    #[test]
    fn x_of_patterns_and_them() {
        let names = ["selection_a", "selection_b", "filter_x", "_hidden"];
        assert_eq!(
            parse("1 of selection_*", &ids(&names)).unwrap(),
            Cond::AnyOf(vec![0, 1])
        );
        assert_eq!(
            parse("all of selection*", &ids(&names)).unwrap(),
            Cond::AllOf(vec![0, 1])
        );
        // `them` leaves out identifiers starting with an underscore.
        assert_eq!(
            parse("all of them", &ids(&names)).unwrap(),
            Cond::AllOf(vec![0, 1, 2])
        );
        assert_eq!(
            table("1 of selection_* and not 1 of filter_*", &names[..3]),
            "01110000"
        );
        assert!(parse("1 of nothing_*", &ids(&names)).is_err());
        assert!(parse("selection_a and", &ids(&names)).is_err());
        assert!(parse("(selection_a", &ids(&names)).is_err());
        assert!(parse("unknown", &ids(&names)).is_err());
        assert!(parse("selection_a | count() > 5", &ids(&names)).is_err());
    }

    #[test]
    fn the_rules_conditions_read_as_written() {
        // dscl_create and id_below_500 or dscl_create and (a and b)
        let names = ["dscl_create", "id_below_500", "a", "b"];
        let c = "dscl_create and id_below_500 or dscl_create and (a and b)";
        let want = table(
            "(dscl_create and id_below_500) or (dscl_create and a and b)",
            &names,
        );
        assert_eq!(table(c, &names), want);
    }
}
