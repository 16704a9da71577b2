//! A set of compiled rules and their evaluation on a record's fields. Every literal text of every
//! rule's tests on a field goes into one Aho-Corasick automaton for that field (one for its
//! case-folded texts, one for the `cased` ones), so that a record's field is read once whatever
//! the number of rules and patterns; each rule's tests then only look up where their texts were
//! found. Rules compile once, when loaded.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use aho_corasick::AhoCorasick;
use knox_model::sigma::{Category, Fields};

use crate::rule::{
    self, Cmp, FieldTest, Lit, Literals, RefKind, Rule, Selection, Skip, StrTest, Test,
};

/// Where a literal was found in a value.
#[derive(Debug, Clone, Copy, Default)]
struct Found {
    anywhere: bool,
    at_start: bool,
    at_end: bool,
    whole: bool,
}

/// The automata of one field.
struct Prefilter {
    folded: Option<AhoCorasick>,
    cased: Option<AhoCorasick>,
    folded_len: usize,
    cased_len: usize,
}

/// A rule that was not loaded, and why.
#[derive(Debug, Clone)]
pub struct NotLoaded {
    pub path: PathBuf,
    /// The rule's title, when it could be read.
    pub title: Option<String>,
    pub why: Skip,
}

/// Rules, compiled.
pub struct RuleSet {
    pub rules: Vec<Rule>,
    /// Rules not loaded: for other log sources, or that cannot be evaluated here.
    pub skipped: Vec<NotLoaded>,
    /// By field (its place in `knox_model::sigma::FIELDS`).
    prefilters: Vec<Option<Prefilter>>,
    by_category: HashMap<Category, Vec<usize>>,
    /// For each rule, literals of which one at least must occur for it to match (none when
    /// no such set is known): most rules are passed over on this alone.
    needs: Vec<Option<Vec<(usize, Lit)>>>,
    /// The literal texts, by (field, cased), each at its `Lit::id`.
    literals: std::collections::BTreeMap<(usize, bool), Vec<String>>,
}

/// Where a field's literals occur in its value (case-folded texts, cased texts), and the value
/// case-folded.
type FieldScan = (Vec<Found>, Vec<Found>, String);

/// The values of a record's fields, with where each field's literals occur (by field).
struct Scanned<'f> {
    fields: &'f Fields<'f>,
    found: Vec<Option<FieldScan>>,
}

impl RuleSet {
    /// Loads every `.yml`/`.yaml` file under the paths (directories recursively), in a fixed
    /// order. A file that is not YAML, or a rule that cannot be compiled, is in `skipped`.
    pub fn load(paths: &[PathBuf]) -> std::io::Result<RuleSet> {
        let mut files = Vec::new();
        for p in paths {
            collect(p, &mut files)?;
        }
        files.sort();
        files.dedup();
        let mut docs = Vec::new();
        for f in &files {
            let text = std::fs::read_to_string(f)
                .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", f.display())))?;
            docs.push((f.clone(), text));
        }
        Ok(RuleSet::from_texts(&docs))
    }

    /// Compiles rules from YAML texts (each with the path it is named by).
    pub fn from_texts(docs: &[(PathBuf, String)]) -> RuleSet {
        let mut lits = Literals::default();
        let mut rules = Vec::new();
        let mut skipped = Vec::new();
        for (path, text) in docs {
            let parsed = match yaml_rust2::YamlLoader::load_from_str(text) {
                Ok(d) => d,
                Err(e) => {
                    skipped.push(NotLoaded {
                        path: path.clone(),
                        title: None,
                        why: Skip::Invalid(format!("YAML: {e}")),
                    });
                    continue;
                }
            };
            // A file may hold several documents (Sigma's rule collections).
            for doc in parsed.iter().filter(|d| !d.is_null()) {
                match rule::compile(doc, path, &mut lits) {
                    Ok(r) => rules.push(r),
                    Err(why) => skipped.push(NotLoaded {
                        path: path.clone(),
                        title: doc["title"].as_str().map(str::to_string),
                        why,
                    }),
                }
            }
        }
        let n = knox_model::sigma::FIELDS.len();
        let mut prefilters: Vec<Option<Prefilter>> = (0..n).map(|_| None).collect();
        let mut tables: HashMap<usize, (Vec<String>, Vec<String>)> = HashMap::new();
        let literals = lits.by_field.clone();
        for ((field, cased), texts) in lits.by_field {
            let e = tables.entry(field).or_default();
            if cased {
                e.1 = texts;
            } else {
                e.0 = texts;
            }
        }
        for (key, (folded, cased)) in tables {
            let build = |t: &[String]| (!t.is_empty()).then(|| AhoCorasick::new(t).ok()).flatten();
            prefilters[key] = Some(Prefilter {
                folded: build(&folded),
                cased: build(&cased),
                folded_len: folded.len(),
                cased_len: cased.len(),
            });
        }
        let mut by_category: HashMap<Category, Vec<usize>> = HashMap::new();
        for (i, r) in rules.iter().enumerate() {
            by_category.entry(r.category).or_default().push(i);
        }
        let needs = rules.iter().map(needs_of_rule).collect();
        RuleSet {
            rules,
            skipped,
            prefilters,
            by_category,
            needs,
            literals,
        }
    }

    /// The text of a literal of a field's tests (case-folded unless `cased`).
    pub fn literal(&self, field: usize, l: Lit) -> &str {
        self.literals
            .get(&(field, l.cased))
            .and_then(|v| v.get(l.id))
            .map_or("", String::as_str)
    }

    /// The rules that match a record's fields, by their place in `rules`, in order.
    pub fn matches(&self, fields: &Fields<'_>) -> Vec<usize> {
        let Some(rules) = self.by_category.get(&fields.category) else {
            return Vec::new();
        };
        let mut scanned = Scanned {
            fields,
            found: (0..self.prefilters.len()).map(|_| None).collect(),
        };
        for (i, _, value) in fields.iter() {
            if let Some(Some(p)) = self.prefilters.get(i) {
                let lower = value.to_lowercase();
                let folded = scan(p.folded.as_ref(), p.folded_len, &lower);
                let cased = scan(p.cased.as_ref(), p.cased_len, value);
                scanned.found[i] = Some((folded, cased, lower));
            }
        }
        rules
            .iter()
            .copied()
            .filter(|&i| {
                if let Some(needs) = &self.needs[i] {
                    if !needs.iter().any(|&(f, l)| found(&scanned, f, l).anywhere) {
                        return false;
                    }
                }
                let r = &self.rules[i];
                r.condition
                    .eval(&mut |s| selection_matches(&r.selections[s], &scanned))
            })
            .collect()
    }
}

/// Literals of which one must occur for a rule to match, when its condition says so: a
/// necessary condition, read from the condition tree (an `and` needs what any of its parts
/// needs, an `or` what all of them need, together; a `not` needs nothing known).
fn needs_of_rule(r: &Rule) -> Option<Vec<(usize, Lit)>> {
    needs_of_cond(&r.condition, r)
}

fn needs_of_cond(c: &crate::condition::Cond, r: &Rule) -> Option<Vec<(usize, Lit)>> {
    use crate::condition::Cond;
    let union = |parts: &mut dyn Iterator<Item = Option<Vec<(usize, Lit)>>>| {
        let mut all = Vec::new();
        for p in parts {
            all.extend(p?);
        }
        Some(all)
    };
    let smallest = |parts: &mut dyn Iterator<Item = Option<Vec<(usize, Lit)>>>| {
        parts.flatten().min_by_key(Vec::len)
    };
    match c {
        Cond::Id(i) => needs_of_selection(&r.selections[*i]),
        Cond::Not(_) => None,
        Cond::And(cs) => smallest(&mut cs.iter().map(|c| needs_of_cond(c, r))),
        Cond::Or(cs) => union(&mut cs.iter().map(|c| needs_of_cond(c, r))),
        Cond::AnyOf(ids) => union(&mut ids.iter().map(|&i| needs_of_selection(&r.selections[i]))),
        Cond::AllOf(ids) => {
            smallest(&mut ids.iter().map(|&i| needs_of_selection(&r.selections[i])))
        }
    }
}

fn needs_of_selection(s: &Selection) -> Option<Vec<(usize, Lit)>> {
    let Selection::Maps(maps) = s else {
        return None;
    };
    let mut all = Vec::new();
    for tests in maps {
        // One test of the map that needs a literal whatever its value: its literals.
        let one = tests
            .iter()
            .filter_map(needs_of_test)
            .min_by_key(Vec::len)?;
        all.extend(one);
    }
    Some(all)
}

fn needs_of_test(t: &FieldTest) -> Option<Vec<(usize, Lit)>> {
    let Test::Values {
        tests,
        all: _,
        negate: false,
    } = &t.test
    else {
        return None;
    };
    let mut lits = Vec::new();
    for x in tests {
        let l = match x {
            StrTest::Equals(l)
            | StrTest::StartsWith(l)
            | StrTest::EndsWith(l)
            | StrTest::Contains(l) => *l,
            StrTest::Glob {
                required: Some(l), ..
            } => *l,
            _ => return None,
        };
        lits.push((t.field, l));
    }
    (!lits.is_empty()).then_some(lits)
}

fn collect(p: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let meta = std::fs::metadata(p)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", p.display())))?;
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(p)?.flatten().map(|e| e.path()).collect();
        entries.sort();
        for e in entries {
            if e.is_dir() {
                collect(&e, out)?;
            } else if e.extension().is_some_and(|x| x == "yml" || x == "yaml") {
                out.push(e);
            }
        }
    } else {
        out.push(p.to_path_buf());
    }
    Ok(())
}

/// Where each of the automaton's texts occurs in `value`.
fn scan(ac: Option<&AhoCorasick>, n: usize, value: &str) -> Vec<Found> {
    let mut found = vec![Found::default(); n];
    if let Some(ac) = ac {
        for m in ac.find_overlapping_iter(value) {
            let f = &mut found[m.pattern().as_usize()];
            f.anywhere = true;
            f.at_start |= m.start() == 0;
            f.at_end |= m.end() == value.len();
            f.whole |= m.start() == 0 && m.end() == value.len();
        }
    }
    found
}

fn selection_matches(s: &Selection, sc: &Scanned<'_>) -> bool {
    match s {
        Selection::Maps(maps) => maps
            .iter()
            .any(|tests| tests.iter().all(|t| field_matches(t, sc))),
        Selection::Keywords { tests, all } => {
            let any_field = |t: &StrTest| sc.fields.iter().any(|(i, _, v)| str_test(t, i, v, sc));
            if *all {
                tests.iter().all(any_field)
            } else {
                tests.iter().any(any_field)
            }
        }
    }
}

fn field_matches(t: &FieldTest, sc: &Scanned<'_>) -> bool {
    let value = sc.fields.at(t.field);
    match &t.test {
        Test::Null => value.is_none(),
        Test::Exists(want) => value.is_some() == *want,
        Test::Values { tests, all, negate } => {
            let Some(v) = value else { return false };
            let hit = |x: &StrTest| str_test(x, t.field, v, sc);
            let m = if *all {
                tests.iter().all(hit)
            } else {
                tests.iter().any(hit)
            };
            m != *negate
        }
        Test::Numbers(cmps, all) => {
            let Some(n) = value.and_then(|v| v.trim().parse::<f64>().ok()) else {
                return false;
            };
            let ok = |c: &Cmp| match *c {
                Cmp::Lt(x) => n < x,
                Cmp::Lte(x) => n <= x,
                Cmp::Gt(x) => n > x,
                Cmp::Gte(x) => n >= x,
            };
            if *all {
                cmps.iter().all(ok)
            } else {
                cmps.iter().any(ok)
            }
        }
        Test::Cidr(nets) => {
            let Some(a) = value.and_then(|v| v.trim_matches(['[', ']']).parse().ok()) else {
                return false;
            };
            nets.iter().any(|&n| rule::in_network(a, n))
        }
        Test::FieldRef {
            other,
            kind,
            cased,
            negate,
        } => {
            let (Some(v), Some(o)) = (value, sc.fields.at(*other)) else {
                return false;
            };
            let (v, o) = if *cased {
                (v.to_string(), o.to_string())
            } else {
                (v.to_lowercase(), o.to_lowercase())
            };
            let holds = match kind {
                RefKind::Equals => v == o,
                RefKind::StartsWith => v.starts_with(&o),
                RefKind::EndsWith => v.ends_with(&o),
                RefKind::Contains => v.contains(&o),
            };
            holds != *negate
        }
    }
}

fn found(sc: &Scanned<'_>, field: usize, l: Lit) -> Found {
    sc.found
        .get(field)
        .and_then(Option::as_ref)
        .and_then(|(folded, cased, _)| {
            if l.cased {
                cased.get(l.id)
            } else {
                folded.get(l.id)
            }
        })
        .copied()
        .unwrap_or_default()
}

fn str_test(t: &StrTest, field: usize, value: &str, sc: &Scanned<'_>) -> bool {
    match t {
        StrTest::Equals(l) => found(sc, field, *l).whole,
        StrTest::Empty => value.is_empty(),
        StrTest::StartsWith(l) => found(sc, field, *l).at_start,
        StrTest::EndsWith(l) => found(sc, field, *l).at_end,
        StrTest::Contains(l) => found(sc, field, *l).anywhere,
        StrTest::Anything => true,
        StrTest::Glob {
            required,
            pieces,
            cased,
        } => {
            let scanned = sc.found.get(field).and_then(Option::as_ref);
            if let Some(l) = required {
                if scanned.is_some() && !found(sc, field, *l).anywhere {
                    return false;
                }
            }
            if *cased {
                crate::pattern::glob(pieces, value)
            } else {
                match scanned.map(|(_, _, lower)| lower.as_str()) {
                    Some(lower) => crate::pattern::glob(pieces, lower),
                    None => crate::pattern::glob(pieces, &value.to_lowercase()),
                }
            }
        }
        StrTest::Regex(re) => re.is_match(value),
    }
}
