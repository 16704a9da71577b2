//! Witnesses of Sigma rules: from a rule's YAML, the story of a process (its program, command
//! line, parent, and the file it creates) that must match the rule, and near misses that must
//! not: every text of the rule broken at its edge, another parent, a filter's exclusion, a read
//! instead of a create, a create that failed. Trails are then written with the project's
//! generator (`bsm_format::generate`) and hunted with knox.
//!
//! The stories are built from the YAML by a reading of Sigma independent of knox-hunt's
//! compiler: each test of a selection becomes a piece of a field's value (a whole value, a
//! start, an end, a part). Whether a story satisfies the condition is asked of knox-hunt's
//! condition evaluator, which `knox-hunt/tests/spec.rs` pins.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use knox_hunt::condition::{self, Cond};
use yaml_rust2::Yaml;

/// One test of a selection: field, modifiers, values.
#[derive(Debug, Clone)]
struct Test {
    field: String,
    mods: Vec<String>,
    values: Vec<String>,
}

/// A search identifier: its alternatives (a list of maps), each the AND of its tests.
#[derive(Debug, Clone)]
struct Ident {
    name: String,
    alternatives: Vec<Vec<Test>>,
}

/// A Sigma rule, as the witnesses need it.
#[derive(Debug)]
pub struct RuleDoc {
    pub path: PathBuf,
    pub id: String,
    pub title: String,
    pub category: String,
    idents: Vec<Ident>,
    condition: Cond,
    /// Whether some value is matched with its case (`re`, `cased`).
    cased: bool,
}

/// What the pieces of a field's value must be.
#[derive(Debug, Clone, Default)]
struct Shape {
    exact: Option<String>,
    prefix: Option<String>,
    suffix: Option<String>,
    parts: Vec<String>,
}

type State = BTreeMap<String, Shape>;

/// A process's story: what the trail will say it ran, and the file it created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Story {
    pub image: String,
    pub command_line: String,
    pub parent_image: String,
    pub parent_command_line: String,
    /// The file it opens (file_event rules).
    pub target: Option<String>,
    /// Whether that open creates (else it reads).
    pub create: bool,
    /// BSM errno of that open (0: success).
    pub errno: u8,
}

impl Story {
    /// The arguments that, joined by spaces, are the command line.
    pub fn argv(line: &str) -> Vec<&[u8]> {
        line.split(' ').map(str::as_bytes).collect()
    }
}

/// A story, what it is, and whether the rule must match it.
#[derive(Debug, Clone)]
pub struct Case {
    pub what: String,
    pub story: Story,
    pub matches: bool,
}

/// Values the generic reading cannot make up: those of `re` modifiers, by (rule file name, field):
/// (a value the expression matches, one it does not).
const REGEX_WITNESSES: &[(&str, &str, &str, &str)] = &[
    (
        "proc_creation_macos_file_and_directory_discovery.yml",
        "CommandLine",
        // The rule's comment: `file */* *>> /tmp/output.txt` gives a huge command line.
        "/Applications/a /Applications/b /Applications/c /Applications/d /Applications/e /Applications/f /Applications/g /Applications/h /Applications/i /Applications/j /Applications/k /Applications/l /Applications/m",
        "short",
    ),
    (
        "proc_creation_macos_create_hidden_account.yml",
        "CommandLine",
        "401",
        "none",
    ),
    (
        "file_event_macos_python_path_configuration_files.yml",
        "TargetFilename",
        "/usr/local/lib/python3.11/site-packages/",
        "/usr/local/lib/python2.7/site-packages/",
    ),
];

fn text(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn tests_of(map: &yaml_rust2::yaml::Hash) -> Vec<Test> {
    map.iter()
        .map(|(k, v)| {
            let key = text(k).unwrap_or_default();
            let mut it = key.split('|');
            let field = it.next().unwrap_or_default().to_string();
            let values = match v {
                Yaml::Array(list) => list.iter().filter_map(text).collect(),
                other => text(other).into_iter().collect(),
            };
            Test {
                field,
                mods: it.map(str::to_string).collect(),
                values,
            }
        })
        .collect()
}

impl RuleDoc {
    /// Reads a rule file (`None` when it is not a rule of one of BSM's categories).
    pub fn read(path: &Path) -> Option<RuleDoc> {
        let text_ = std::fs::read_to_string(path).ok()?;
        let docs = yaml_rust2::YamlLoader::load_from_str(&text_).ok()?;
        let doc = docs.first()?;
        let category = text(&doc["logsource"]["category"])?;
        let detection = doc["detection"].as_hash()?;
        let mut idents = Vec::new();
        let mut cond_text = None;
        let mut cased = false;
        for (k, v) in detection {
            let name = text(k)?;
            if name == "condition" {
                cond_text = text(v);
                continue;
            }
            let alternatives = match v {
                Yaml::Hash(h) => vec![tests_of(h)],
                Yaml::Array(list) => list
                    .iter()
                    .filter_map(Yaml::as_hash)
                    .map(tests_of)
                    .collect(),
                _ => Vec::new(),
            };
            cased |= alternatives
                .iter()
                .flatten()
                .any(|t| t.mods.iter().any(|m| m == "re" || m == "cased"));
            idents.push(Ident { name, alternatives });
        }
        let names: Vec<String> = idents.iter().map(|i| i.name.clone()).collect();
        let condition = condition::parse(&cond_text?, &names).ok()?;
        Some(RuleDoc {
            path: path.to_path_buf(),
            id: text(&doc["id"]).unwrap_or_default(),
            title: text(&doc["title"]).unwrap_or_default(),
            category,
            idents,
            condition,
            cased,
        })
    }

    fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    fn is_filter(&self, i: usize) -> bool {
        self.idents[i].name.starts_with("filter")
    }

    /// Whether the condition holds when exactly the identifiers `on` says hold.
    fn holds(&self, on: &dyn Fn(usize) -> bool) -> bool {
        self.condition.eval(&mut |i| on(i))
    }

    /// The value of a test's piece, whole or broken at its edge.
    fn piece(&self, t: &Test, v: &str, broken: bool) -> String {
        if t.mods.iter().any(|m| m == "re") {
            let name = self.file_name();
            let (_, _, good, bad) = REGEX_WITNESSES
                .iter()
                .find(|(f, field, _, _)| *f == name && *field == t.field)
                .unwrap_or_else(|| panic!("{name}: no witness for {}|re {v:?}", t.field));
            return if broken { bad } else { good }.to_string();
        }
        if !broken {
            return literal(v);
        }
        let lit = literal(v);
        let wild = literal(v) != literal_escaped_only(v);
        match kind(t) {
            Kind::Exact | Kind::Suffix if !wild => format!("{lit}_"),
            Kind::Prefix if !wild => format!("_{lit}"),
            // Inside the first run of two written characters, where no wildcard can take it.
            _ => broken_inside(v),
        }
    }

    /// Adds an alternative's tests to a state; `Err` when they contradict it.
    fn apply(&self, state: &mut State, tests: &[Test], broken: bool) -> Result<(), ()> {
        for t in tests {
            // `null` (no value): exec records always hold their fields.
            if t.values.is_empty() {
                return Err(());
            }
            let values: Vec<&String> = if t.mods.iter().any(|m| m == "all") {
                t.values.iter().collect()
            } else {
                t.values.iter().take(1).collect()
            };
            for v in values {
                let p = self.piece(t, v, broken);
                let shape = state.entry(t.field.clone()).or_default();
                merge(shape, kind(t), p)?;
            }
        }
        Ok(())
    }

    /// The stories of this rule: the one that matches, and near misses.
    pub fn cases(&self) -> Result<Vec<Case>, String> {
        let n = self.idents.len();
        let mut state = State::new();
        let mut applied = vec![false; n];
        for i in (0..n).filter(|&i| !self.is_filter(i)) {
            let Some(first) = self.idents[i].alternatives.first() else {
                continue;
            };
            let mut next = state.clone();
            if self.apply(&mut next, first, false).is_ok() {
                state = next;
                applied[i] = true;
            }
        }
        if !self.holds(&|i| applied[i]) {
            return Err(format!(
                "{}: no story satisfies the condition from its selections",
                self.file_name()
            ));
        }
        let file = self.category == "file_event";
        let story = |s: &State| render(s, file);
        let mut cases = vec![Case {
            what: "match".into(),
            story: story(&state),
            matches: true,
        }];
        if !self.cased {
            let mut upper = story(&state);
            for s in [
                &mut upper.image,
                &mut upper.command_line,
                &mut upper.parent_image,
            ] {
                *s = s.to_uppercase();
            }
            upper.target = upper.target.map(|t| t.to_uppercase());
            cases.push(Case {
                what: "another case".into(),
                story: upper,
                matches: true,
            });
        }
        // Every text broken at its edge: no selection holds.
        let mut broken = State::new();
        for i in (0..n).filter(|&i| applied[i]) {
            let _ = self.apply(&mut broken, &self.idents[i].alternatives[0], true);
        }
        if !self.holds(&|_| false) {
            cases.push(Case {
                what: "texts broken at their edges".into(),
                story: story(&broken),
                matches: false,
            });
        }
        // Another parent.
        let touches_parent = |i: usize| {
            self.idents[i].alternatives[0]
                .iter()
                .any(|t| t.field.starts_with("Parent"))
        };
        if (0..n).any(|i| applied[i] && touches_parent(i))
            && !self.holds(&|i| applied[i] && !touches_parent(i))
        {
            let mut other = state.clone();
            other.retain(|f, _| !f.starts_with("Parent"));
            cases.push(Case {
                what: "another parent".into(),
                story: story(&other),
                matches: false,
            });
        }
        // Each filter's exclusion.
        for f in (0..n).filter(|&i| self.is_filter(i)) {
            let mut with = state.clone();
            let Some(first) = self.idents[f].alternatives.first() else {
                continue;
            };
            if self.apply(&mut with, first, false).is_err() {
                continue;
            }
            if !self.holds(&|i| applied[i] || i == f) {
                cases.push(Case {
                    what: format!("excluded by {}", self.idents[f].name),
                    story: story(&with),
                    matches: false,
                });
            }
        }
        if file {
            let mut read = story(&state);
            read.create = false;
            cases.push(Case {
                what: "a read instead of a create".into(),
                story: read,
                matches: false,
            });
            let mut failed = story(&state);
            failed.errno = 13;
            cases.push(Case {
                what: "a create that failed".into(),
                story: failed,
                matches: false,
            });
        }
        Ok(cases)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Exact,
    Prefix,
    Suffix,
    Part,
}

fn kind(t: &Test) -> Kind {
    let has = |m: &str| t.mods.iter().any(|x| x == m);
    if has("contains") || has("re") {
        Kind::Part
    } else if has("startswith") {
        Kind::Prefix
    } else if has("endswith") {
        Kind::Suffix
    } else {
        Kind::Exact
    }
}

/// A Sigma value with its escapes undone and its wildcards kept as they are.
fn literal_escaped_only(v: &str) -> String {
    let mut out = String::new();
    let mut it = v.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\\' if matches!(it.peek(), Some('*' | '?' | '\\')) => out.extend(it.next()),
            c => out.push(c),
        }
    }
    out
}

/// A value's literal with `_` put between the first two written characters that stand
/// together (no wildcard between them); `_` alone when there are none.
fn broken_inside(v: &str) -> String {
    let mut runs: Vec<(bool, String)> = Vec::new();
    let mut it = v.chars().peekable();
    while let Some(c) = it.next() {
        let (wild, ch) = match c {
            '\\' if matches!(it.peek(), Some('*' | '?' | '\\')) => (false, it.next().unwrap()),
            '*' | '?' => (true, c),
            c => (false, c),
        };
        match runs.last_mut() {
            Some((w, s)) if *w == wild && !wild => s.push(ch),
            _ => runs.push((wild, ch.to_string())),
        }
    }
    let Some(i) = runs.iter().position(|(w, s)| !w && s.chars().count() >= 2) else {
        return "_".into();
    };
    let mut out = String::new();
    for (j, (wild, run)) in runs.iter().enumerate() {
        if *wild {
            out.push_str(&literal(run));
        } else if j == i {
            let mut cs = run.chars();
            out.extend(cs.next());
            out.push('_');
            out.extend(cs);
        } else {
            out.push_str(run);
        }
    }
    out
}

/// A Sigma value's wildcards filled (`*` with nothing, `?` with one letter), escapes undone.
fn literal(v: &str) -> String {
    let mut out = String::new();
    let mut it = v.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\\' if matches!(it.peek(), Some('*' | '?' | '\\')) => out.extend(it.next()),
            '*' => {}
            '?' => out.push('x'),
            c => out.push(c),
        }
    }
    out
}

fn merge(shape: &mut Shape, kind: Kind, p: String) -> Result<(), ()> {
    let lower = |s: &str| s.to_lowercase();
    if let Some(e) = &shape.exact {
        return if kind == Kind::Exact && lower(e) == lower(&p) {
            Ok(())
        } else {
            Err(())
        };
    }
    match kind {
        Kind::Exact => {
            if shape.prefix.is_some() || shape.suffix.is_some() || !shape.parts.is_empty() {
                return Err(());
            }
            shape.exact = Some(p);
        }
        Kind::Prefix => match &shape.prefix {
            Some(old) if lower(old).starts_with(&lower(&p)) => {}
            Some(old) if !lower(&p).starts_with(&lower(old)) => return Err(()),
            _ => shape.prefix = Some(p),
        },
        Kind::Suffix => match &shape.suffix {
            Some(old) if lower(old).ends_with(&lower(&p)) => {}
            Some(old) if !lower(&p).ends_with(&lower(old)) => return Err(()),
            _ => shape.suffix = Some(p),
        },
        Kind::Part => shape.parts.push(p),
    }
    Ok(())
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A path from its pieces: the start (else `dir`), the parts, a file name, the end.
fn path(shape: Option<&Shape>, dir: &str, default: &str) -> String {
    let Some(s) = shape else {
        return default.to_string();
    };
    if let Some(e) = &s.exact {
        return e.clone();
    }
    let mut out = s.prefix.clone().unwrap_or_else(|| dir.to_string());
    for p in &s.parts {
        out.push_str(p);
    }
    out.push('w');
    out.push_str(s.suffix.as_deref().unwrap_or(""));
    out
}

/// A command line from its pieces, after `program` unless it must start otherwise.
fn line(shape: Option<&Shape>, program: &str) -> String {
    let Some(s) = shape else {
        return program.to_string();
    };
    if let Some(e) = &s.exact {
        return e.clone();
    }
    let mut words = vec![s.prefix.clone().unwrap_or_else(|| program.to_string())];
    words.extend(s.parts.iter().cloned());
    words.extend(s.suffix.clone());
    words.join(" ")
}

fn render(s: &State, file: bool) -> Story {
    let image = path(s.get("Image"), "/opt/w", "/opt/w/bin/witness");
    let parent_image = path(s.get("ParentImage"), "/opt/w", "/opt/w/bin/parent");
    Story {
        command_line: line(s.get("CommandLine"), basename(&image)),
        parent_command_line: line(s.get("ParentCommandLine"), basename(&parent_image)),
        image,
        parent_image,
        target: file.then(|| {
            path(
                s.get("TargetFilename"),
                "/Users/alice/",
                "/Users/alice/w.txt",
            )
        }),
        create: true,
        errno: 0,
    }
}

/// Rule files under a directory, recursively, in order.
pub fn rule_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Writes a story with the generator: a parent runs its program and forks a child, which runs
/// the story's program (and opens its file); the child's pid.
pub fn write_story(g: &mut bsm_format::generate::Generator, s: &Story, out: &mut Vec<u8>) -> u32 {
    let parent = g.scripted_process();
    assert!(g.scripted_exec(
        parent,
        &s.parent_image,
        &Story::argv(&s.parent_command_line),
        out
    ));
    let child = g.scripted_fork(parent, out).expect("the parent exists");
    assert!(g.scripted_exec(child, &s.image, &Story::argv(&s.command_line), out));
    if let Some(t) = &s.target {
        assert!(g.scripted_open(child, t, s.create, s.errno, out));
    }
    child
}
