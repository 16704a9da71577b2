//! Sigma rules read from YAML and compiled: each search identifier into field tests, the
//! condition into a tree, and every literal text into the prefilter of its field (see
//! [`crate::engine`]).

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use knox_model::sigma::{Category, MISSING};
use yaml_rust2::Yaml;

use crate::condition::{self, Cond};
use crate::pattern::{self, Piece, Shape};

/// How severe a rule says a match is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    /// Every level, least severe first.
    pub const ALL: [Level; 5] = [
        Level::Informational,
        Level::Low,
        Level::Medium,
        Level::High,
        Level::Critical,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL
            .into_iter()
            .find(|l| l.name().eq_ignore_ascii_case(s))
    }
}

/// What a rule says of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    pub id: String,
    pub title: String,
    pub level: Level,
    /// The rule's author (the Detection Rule License asks every message based on a match to
    /// keep it).
    pub author: String,
    pub tags: Vec<String>,
    pub status: Option<String>,
    pub description: Option<String>,
    /// Where the rule was read from.
    pub path: PathBuf,
}

/// A literal text of a field's tests, found by the field's prefilter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lit {
    /// Its place among the field's literals.
    pub id: usize,
    /// Matched as written (`cased`), not case-folded.
    pub cased: bool,
}

/// One test of a string value.
#[derive(Debug, Clone)]
pub enum StrTest {
    /// A shape answered from where its literal occurs.
    Equals(Lit),
    StartsWith(Lit),
    EndsWith(Lit),
    Contains(Lit),
    /// `*`: any value.
    Anything,
    /// `''`: the empty value.
    Empty,
    /// Inner wildcards: the literal every match holds (to skip values without it), then the
    /// pattern itself.
    Glob {
        required: Option<Lit>,
        pieces: Vec<Piece>,
        cased: bool,
    },
    Regex(regex::Regex),
}

/// A numeric comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cmp {
    Lt(f64),
    Lte(f64),
    Gt(f64),
    Gte(f64),
}

/// What a field must be.
#[derive(Debug, Clone)]
pub enum Test {
    /// One of the values (`all`: every value); `negate` for `neq`.
    Values {
        tests: Vec<StrTest>,
        all: bool,
        negate: bool,
    },
    /// `null`: the record has no such value.
    Null,
    /// `exists: true/false`.
    Exists(bool),
    Numbers(Vec<Cmp>, bool),
    /// `cidr`: the value is an address in one of these networks.
    Cidr(Vec<(IpAddr, u8)>),
    /// `fieldref`: the value relates to another field's (by its place in `FIELDS`).
    FieldRef {
        other: usize,
        kind: RefKind,
        cased: bool,
        /// `neq`: the relation must not hold.
        negate: bool,
    },
}

/// How a `fieldref` compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    Equals,
    StartsWith,
    EndsWith,
    Contains,
}

/// A field and its test.
#[derive(Debug, Clone)]
pub struct FieldTest {
    /// The field's place in `knox_model::sigma::FIELDS`.
    pub field: usize,
    pub name: String,
    pub test: Test,
}

/// A search identifier: maps are AND of their field tests, a list of maps OR of the maps; a
/// list of plain values is a keyword search (any field).
#[derive(Debug, Clone)]
pub enum Selection {
    /// OR over maps, each AND over its tests.
    Maps(Vec<Vec<FieldTest>>),
    /// Keywords: any of them (`all`: every one) anywhere in any field of the record.
    Keywords { tests: Vec<StrTest>, all: bool },
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub meta: Meta,
    pub category: Category,
    pub selections: Vec<Selection>,
    pub condition: Cond,
}

/// Why a rule is not evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// Its logsource is not one BSM records are (another product, category or service): not
    /// an error, counted in the summary.
    OtherLogsource(String),
    /// It is for BSM's categories but needs what BSM records do not hold, or what knox does
    /// not evaluate (correlations): named on stderr with the reason.
    Unsupported(String),
    /// It is not a valid rule (YAML, condition, modifier, value): named on stderr, and the run
    /// exits 2.
    Invalid(String),
}

impl Skip {
    /// Why, in words.
    pub fn why(&self) -> &str {
        match self {
            Skip::OtherLogsource(s) | Skip::Unsupported(s) | Skip::Invalid(s) => s,
        }
    }
}

fn invalid(s: impl Into<String>) -> Skip {
    Skip::Invalid(s.into())
}

fn unsupported(s: impl Into<String>) -> Skip {
    Skip::Unsupported(s.into())
}

/// The literal texts of each field's tests, gathered while rules are compiled.
#[derive(Debug, Default, Clone)]
pub struct Literals {
    /// (field's place in `FIELDS`, cased) -> texts, each at its place (its `Lit::id`).
    pub by_field: std::collections::BTreeMap<(usize, bool), Vec<String>>,
}

impl Literals {
    fn add(&mut self, field: usize, text: &str, cased: bool) -> Lit {
        let list = self.by_field.entry((field, cased)).or_default();
        let id = match list.iter().position(|t| t == text) {
            Some(i) => i,
            None => {
                list.push(text.to_string());
                list.len() - 1
            }
        };
        Lit { id, cased }
    }
}

fn str_of(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn get<'y>(y: &'y Yaml, key: &str) -> &'y Yaml {
    &y[key]
}

/// The logsource's category, if the rule is for BSM.
fn logsource(doc: &Yaml) -> Result<Category, Skip> {
    let ls = get(doc, "logsource");
    let product = str_of(get(ls, "product"));
    let category = str_of(get(ls, "category"));
    let service = str_of(get(ls, "service"));
    let describe = || {
        format!(
            "product {}, category {}{}",
            product.as_deref().unwrap_or("-"),
            category.as_deref().unwrap_or("-"),
            service
                .as_deref()
                .map(|s| format!(", service {s}"))
                .unwrap_or_default()
        )
    };
    if !matches!(product.as_deref(), None | Some("macos") | Some("freebsd")) || service.is_some() {
        return Err(Skip::OtherLogsource(describe()));
    }
    match category.as_deref().and_then(Category::parse) {
        Some(c) => Ok(c),
        None => Err(Skip::OtherLogsource(describe())),
    }
}

/// Compiles a rule's YAML document.
pub fn compile(doc: &Yaml, path: &Path, lits: &mut Literals) -> Result<Rule, Skip> {
    if !get(doc, "correlation").is_badvalue() {
        return Err(unsupported("correlation rules are not supported"));
    }
    if !get(doc, "filter").is_badvalue() && get(doc, "detection").is_badvalue() {
        return Err(unsupported("Sigma filters (meta rules) are not supported"));
    }
    let title = str_of(get(doc, "title")).ok_or_else(|| invalid("no title"))?;
    let category = logsource(doc)?;
    let level = str_of(get(doc, "level"))
        .and_then(|l| Level::parse(&l))
        .unwrap_or(Level::Medium);
    let tags = get(doc, "tags")
        .as_vec()
        .map(|v| v.iter().filter_map(str_of).collect())
        .unwrap_or_default();
    let meta = Meta {
        id: str_of(get(doc, "id")).unwrap_or_default(),
        title,
        level,
        author: str_of(get(doc, "author")).unwrap_or_else(|| "unknown".into()),
        tags,
        status: str_of(get(doc, "status")),
        description: str_of(get(doc, "description")),
        path: path.to_path_buf(),
    };
    let detection = get(doc, "detection");
    let Some(map) = detection.as_hash() else {
        return Err(invalid("no detection"));
    };
    let mut ids = Vec::new();
    let mut selections = Vec::new();
    let mut conditions = Vec::new();
    for (k, v) in map {
        let Some(name) = str_of(k) else { continue };
        if name == "condition" {
            match v {
                Yaml::Array(list) => conditions.extend(list.iter().filter_map(str_of)),
                other => conditions.extend(str_of(other)),
            }
            continue;
        }
        if name == "timeframe" {
            return Err(unsupported("timeframes are not supported"));
        }
        let sel = selection(v, category, lits).map_err(|e| match e {
            Skip::Invalid(w) => invalid(format!("search identifier {name}: {w}")),
            Skip::Unsupported(w) => unsupported(format!("search identifier {name}: {w}")),
            other => other,
        })?;
        ids.push(name);
        selections.push(sel);
    }
    if conditions.is_empty() {
        return Err(invalid("no condition"));
    }
    let mut parsed = Vec::new();
    for c in &conditions {
        parsed.push(condition::parse(c, &ids).map_err(|e| {
            if e.starts_with("aggregations") {
                unsupported(format!("condition {c:?}: {e}"))
            } else {
                invalid(format!("condition {c:?}: {e}"))
            }
        })?);
    }
    // A list of conditions is their OR.
    let condition = if parsed.len() == 1 {
        parsed.remove(0)
    } else {
        Cond::Or(parsed)
    };
    Ok(Rule {
        meta,
        category,
        selections,
        condition,
    })
}

fn selection(v: &Yaml, category: Category, lits: &mut Literals) -> Result<Selection, Skip> {
    match v {
        Yaml::Hash(h) => {
            // `'|all': [..]`: keywords that must all be there.
            if h.len() == 1 {
                if let Some((k, list)) = h.iter().next() {
                    if str_of(k).as_deref() == Some("|all") {
                        return keywords(list, true);
                    }
                }
            }
            Ok(Selection::Maps(vec![map_tests(h, category, lits)?]))
        }
        Yaml::Array(items) if items.iter().all(|i| i.as_hash().is_some()) => {
            let mut maps = Vec::new();
            for i in items {
                if let Some(h) = i.as_hash() {
                    maps.push(map_tests(h, category, lits)?);
                }
            }
            Ok(Selection::Maps(maps))
        }
        Yaml::Array(_) | Yaml::String(_) | Yaml::Integer(_) => keywords(v, false),
        _ => Err(invalid(
            "neither a map, a list of maps nor a list of keywords",
        )),
    }
}

fn keywords(v: &Yaml, all: bool) -> Result<Selection, Skip> {
    let values: Vec<String> = match v {
        Yaml::Array(items) => items.iter().filter_map(str_of).collect(),
        other => str_of(other).into_iter().collect(),
    };
    let mut tests = Vec::new();
    for value in values {
        // A keyword is searched anywhere in the record's values.
        let mut pieces = vec![Piece::Any];
        pieces.extend(pattern::parse(&value));
        pieces.push(Piece::Any);
        tests.push(StrTest::Glob {
            required: None,
            pieces: fold(&pieces, false),
            cased: false,
        });
    }
    Ok(Selection::Keywords { tests, all })
}

fn fold(pieces: &[Piece], cased: bool) -> Vec<Piece> {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t) if !cased => Piece::Text(t.to_lowercase()),
            p => p.clone(),
        })
        .collect()
}

fn map_tests(
    h: &yaml_rust2::yaml::Hash,
    category: Category,
    lits: &mut Literals,
) -> Result<Vec<FieldTest>, Skip> {
    let mut tests = Vec::new();
    for (k, v) in h {
        let key = str_of(k).ok_or_else(|| invalid("a field name that is not text"))?;
        let mut parts = key.split('|');
        let name = parts.next().unwrap_or_default().to_string();
        let modifiers: Vec<&str> = parts.collect();
        let field = check_field(&name, category)?;
        let test = field_test(field, &modifiers, v, category, lits)?;
        tests.push(FieldTest { field, name, test });
    }
    Ok(tests)
}

/// The field's place in `FIELDS`, when BSM fills it in the category.
fn check_field(field: &str, category: Category) -> Result<usize, Skip> {
    if let Some(i) = knox_model::sigma::field_index(category, field) {
        return Ok(i);
    }
    let why = MISSING
        .iter()
        .find(|(n, _)| *n == field)
        .map(|(_, w)| *w)
        .unwrap_or("not a field BSM records fill in this category");
    Err(unsupported(format!("field {field}: {why}")))
}

/// The transformations of the values, in the modifiers' order, then what kind of test.
fn field_test(
    field: usize,
    modifiers: &[&str],
    v: &Yaml,
    category: Category,
    lits: &mut Literals,
) -> Result<Test, Skip> {
    let raw: Vec<Yaml> = match v {
        Yaml::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    if raw.iter().any(|x| matches!(x, Yaml::Null)) {
        if raw.len() > 1 {
            return Err(invalid("null cannot be one of a list of values"));
        }
        if modifiers.is_empty() {
            return Ok(Test::Null);
        }
    }
    let has = |m: &str| modifiers.contains(&m);
    for m in modifiers {
        if !KNOWN.contains(m) {
            return Err(invalid(format!("unknown modifier {m}")));
        }
        if let Some(why) = UNSUPPORTED.iter().find(|(x, _)| x == m).map(|(_, w)| w) {
            return Err(unsupported(format!("modifier {m}: {why}")));
        }
    }
    if has("exists") {
        return match raw.as_slice() {
            [Yaml::Boolean(b)] => Ok(Test::Exists(*b)),
            _ => Err(invalid("exists takes true or false")),
        };
    }
    let mut values: Vec<String> = raw.iter().filter_map(str_of).collect();
    if values.len() != raw.len() {
        return Err(invalid("a value that is neither text nor a number"));
    }
    let cased = has("cased");
    let all = has("all");
    if has("fieldref") {
        let kind = if has("startswith") {
            RefKind::StartsWith
        } else if has("endswith") {
            RefKind::EndsWith
        } else if has("contains") {
            RefKind::Contains
        } else {
            RefKind::Equals
        };
        let other = values.first().cloned().unwrap_or_default();
        let other = check_field(&other, category)?;
        return Ok(Test::FieldRef {
            other,
            kind,
            cased,
            negate: has("neq"),
        });
    }
    if has("cidr") {
        let mut nets = Vec::new();
        for v in &values {
            nets.push(cidr(v).ok_or_else(|| invalid(format!("{v:?} is not a CIDR network")))?);
        }
        return Ok(Test::Cidr(nets));
    }
    let cmp: Option<fn(f64) -> Cmp> = if has("lt") {
        Some(Cmp::Lt)
    } else if has("lte") {
        Some(Cmp::Lte)
    } else if has("gt") {
        Some(Cmp::Gt)
    } else if has("gte") {
        Some(Cmp::Gte)
    } else {
        None
    };
    if let Some(cmp) = cmp {
        let mut out = Vec::new();
        for v in &values {
            out.push(cmp(v
                .parse()
                .map_err(|_| invalid(format!("{v:?} is not a number")))?));
        }
        return Ok(Test::Numbers(out, all));
    }
    if has("re") {
        let mut tests = Vec::new();
        for v in &values {
            let re = regex::RegexBuilder::new(v)
                .case_insensitive(has("i"))
                .multi_line(has("m"))
                .dot_matches_new_line(has("s"))
                .build()
                .map_err(|e| invalid(format!("regular expression {v:?}: {e}")))?;
            tests.push(StrTest::Regex(re));
        }
        return Ok(Test::Values {
            tests,
            all,
            negate: has("neq"),
        });
    }
    // Transformations, in the modifiers' order; whether values are still patterns (wildcards
    // meant) or plain text (what an encoding produced).
    let mut plain = false;
    for m in modifiers {
        match *m {
            "windash" => values = values.iter().flat_map(|v| windash(v)).collect(),
            "base64" => {
                values = values.iter().map(|v| base64(v.as_bytes())).collect();
                plain = true;
            }
            "base64offset" => {
                values = values.iter().flat_map(|v| base64_offsets(v)).collect();
                plain = true;
            }
            "expand" if values.iter().any(|v| v.contains('%')) => {
                return Err(unsupported("placeholders (expand) have no values here"))
            }
            _ => {}
        }
    }
    let mut tests = Vec::new();
    for v in &values {
        let mut pieces = if plain {
            pattern::plain(v)
        } else {
            pattern::parse(v)
        };
        if has("contains") || has("startswith") && has("endswith") {
            if pieces.first() != Some(&Piece::Any) {
                pieces.insert(0, Piece::Any);
            }
            if pieces.last() != Some(&Piece::Any) {
                pieces.push(Piece::Any);
            }
        } else if has("startswith") {
            if pieces.last() != Some(&Piece::Any) {
                pieces.push(Piece::Any);
            }
        } else if has("endswith") && pieces.first() != Some(&Piece::Any) {
            pieces.insert(0, Piece::Any);
        }
        let add = |lits: &mut Literals, t: &str| lits.add(field, t, cased);
        tests.push(match pattern::shape(&pieces, cased) {
            Shape::Equals(t) if t.is_empty() => StrTest::Empty,
            Shape::Equals(t) => StrTest::Equals(add(lits, &t)),
            Shape::StartsWith(t) => StrTest::StartsWith(add(lits, &t)),
            Shape::EndsWith(t) => StrTest::EndsWith(add(lits, &t)),
            Shape::Contains(t) => StrTest::Contains(add(lits, &t)),
            Shape::Anything => StrTest::Anything,
            Shape::Glob(pieces, longest) => StrTest::Glob {
                required: longest.map(|t| add(lits, &t)),
                pieces,
                cased,
            },
        });
    }
    Ok(Test::Values {
        tests,
        all,
        negate: has("neq"),
    })
}

/// The modifiers of the specification.
const KNOWN: &[&str] = &[
    "contains",
    "startswith",
    "endswith",
    "all",
    "exists",
    "cased",
    "neq",
    "windash",
    "re",
    "i",
    "m",
    "s",
    "base64",
    "base64offset",
    "utf16le",
    "utf16be",
    "utf16",
    "wide",
    "lt",
    "lte",
    "gt",
    "gte",
    "minute",
    "hour",
    "day",
    "week",
    "month",
    "year",
    "cidr",
    "expand",
    "fieldref",
];

/// Modifiers that cannot apply to BSM records, with why.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("utf16le", "BSM records hold no UTF-16 text"),
    ("utf16be", "BSM records hold no UTF-16 text"),
    ("utf16", "BSM records hold no UTF-16 text"),
    ("wide", "BSM records hold no UTF-16 text"),
    (
        "minute",
        "time modifiers apply to timestamp fields, which the BSM fields are not",
    ),
    (
        "hour",
        "time modifiers apply to timestamp fields, which the BSM fields are not",
    ),
    (
        "day",
        "time modifiers apply to timestamp fields, which the BSM fields are not",
    ),
    (
        "week",
        "time modifiers apply to timestamp fields, which the BSM fields are not",
    ),
    (
        "month",
        "time modifiers apply to timestamp fields, which the BSM fields are not",
    ),
    (
        "year",
        "time modifiers apply to timestamp fields, which the BSM fields are not",
    ),
];

fn base64(b: &[u8]) -> String {
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b)
}

/// The three encodings a value has inside a longer base64 text, by its offset modulo 3, with
/// the characters that depend on its neighbours cut off.
fn base64_offsets(v: &str) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..3usize {
        let mut b = vec![b' '; i];
        b.extend_from_slice(v.as_bytes());
        let e = base64(&b);
        let start = [0, 2, 3][i];
        let cut = [0, 3, 2][(v.len() + i) % 3];
        let end = e.len().saturating_sub(cut).max(start);
        out.push(e[start..end].to_string());
    }
    out
}

/// Every way of writing a value's dashes and slashes as any of `-`, `/`, en dash, em dash and
/// horizontal bar (at most 4 of them, 625 forms).
fn windash(v: &str) -> Vec<String> {
    const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];
    let places: Vec<usize> = v
        .char_indices()
        .filter(|(_, c)| DASHES.contains(c))
        .map(|(i, _)| i)
        .take(4)
        .collect();
    let mut out = vec![String::new()];
    let mut last = 0;
    for &p in &places {
        let c = v[p..].chars().next().unwrap_or('-');
        let before = &v[last..p];
        out = out
            .into_iter()
            .flat_map(|s| {
                DASHES.iter().map(move |d| {
                    let mut s = s.clone();
                    s.push_str(before);
                    s.push(*d);
                    s
                })
            })
            .collect();
        last = p + c.len_utf8();
    }
    for s in &mut out {
        s.push_str(&v[last..]);
    }
    out
}

/// A CIDR network: address and prefix length.
fn cidr(v: &str) -> Option<(IpAddr, u8)> {
    let (a, n) = v.split_once('/').unwrap_or((v, ""));
    let addr: IpAddr = a.trim().parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let n: u8 = if n.is_empty() {
        max
    } else {
        n.trim().parse().ok()?
    };
    (n <= max).then_some((addr, n))
}

/// Whether an address is in a network.
pub fn in_network(a: IpAddr, (net, bits): (IpAddr, u8)) -> bool {
    match (a, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits as u32)
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits as u32)
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_offsets_find_a_value_at_any_place_in_an_encoded_text() {
        let value = "/bin/bash";
        for pad in ["", "x", "xy", "xyz", "hello world "] {
            let text = format!("{pad}{value} and more");
            let encoded = base64(text.as_bytes());
            assert!(
                base64_offsets(value)
                    .iter()
                    .any(|v| encoded.contains(v.as_str())),
                "{pad:?}: {encoded} / {:?}",
                base64_offsets(value)
            );
        }
        assert_eq!(base64("/bin/sh".as_bytes()), "L2Jpbi9zaA==");
    }

    #[test]
    fn windash_writes_every_dash() {
        let forms = windash("-e /x");
        assert_eq!(forms.len(), 25);
        assert!(forms.contains(&"/e -x".to_string()));
        assert!(forms.contains(&"\u{2013}e \u{2014}x".to_string()));
        assert_eq!(windash("none"), vec!["none".to_string()]);
    }

    #[test]
    fn networks() {
        assert!(in_network(
            "10.1.2.3".parse().unwrap(),
            cidr("10.0.0.0/8").unwrap()
        ));
        assert!(!in_network(
            "11.1.2.3".parse().unwrap(),
            cidr("10.0.0.0/8").unwrap()
        ));
        assert!(in_network(
            "fe80::1".parse().unwrap(),
            cidr("fe80::/10").unwrap()
        ));
        assert!(!in_network(
            "10.0.0.1".parse().unwrap(),
            cidr("fe80::/10").unwrap()
        ));
        assert!(in_network(
            "1.2.3.4".parse().unwrap(),
            cidr("0.0.0.0/0").unwrap()
        ));
        assert!(cidr("10.0.0.0/33").is_none());
    }
}
