//! The code's layers point one way: within each crate, no two top-level modules or folders use
//! each other (directly or round a longer circle); knox-cli's folders are layers, each using
//! only those below it (command line, tools, output, reading, then errors and times); and the
//! command line (clap, terminal checks, printing) stays in `cli/` and `main.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use knox_tests::root;

const CRATES: [&str; 7] = [
    "bsm-format",
    "bsm-io",
    "knox-model",
    "knox-read",
    "knox-arrow",
    "knox-hunt",
    "knox-cli",
];

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The source without `//` comments (doc comments name modules freely) and without its unit
/// tests (which may use any layer, as integration tests do).
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level unit a file belongs to: its folder under `src/`, or its own name.
fn unit(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The names `lib.rs` re-exports (`pub use record::{Record, Tokens}`), each with its unit, so
/// that `crate::Record` counts as a use of `record`.
fn reexports(src: &Path) -> BTreeMap<String, String> {
    let line = regex::Regex::new(r"(?m)^pub use (\w+)::(.*);").unwrap();
    let word = regex::Regex::new(r"\w+").unwrap();
    let mut names = BTreeMap::new();
    for c in line.captures_iter(&code(&src.join("lib.rs"))) {
        for w in word.find_iter(&c[2]) {
            names.insert(w.as_str().to_string(), c[1].to_string());
        }
    }
    names
}

/// Which units each unit uses (`crate::unit`, or a name `lib.rs` re-exports from it).
fn uses(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let re = regex::Regex::new(r"crate::(\w+)").unwrap();
    let names = reexports(src);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in rust_files(src) {
        let u = unit(src, &f);
        for c in re.captures_iter(&code(&f)) {
            let v = names
                .get(&c[1])
                .cloned()
                .unwrap_or_else(|| c[1].to_string());
            if v != u {
                edges.entry(u.clone()).or_default().insert(v);
            }
        }
    }
    edges
}

/// The circles of the graph: its strongly connected components of more than one unit.
fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    let reaches = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_string()];
        while let Some(u) = todo.pop() {
            for v in edges.get(&u).into_iter().flatten() {
                if seen.insert(v.clone()) {
                    todo.push(v.clone());
                }
            }
        }
        seen
    };
    let reach: BTreeMap<&String, BTreeSet<String>> =
        edges.keys().map(|u| (u, reaches(u))).collect();
    let mut found: Vec<BTreeSet<String>> = Vec::new();
    for (u, r) in &reach {
        let circle: BTreeSet<String> = r
            .iter()
            .filter(|v| reach.get(v).is_some_and(|back| back.contains(*u)))
            .cloned()
            .collect();
        if circle.len() > 1 && !found.contains(&circle) {
            found.push(circle);
        }
    }
    found
}

#[test]
fn no_module_or_folder_uses_another_that_uses_it_back() {
    for krate in CRATES {
        let src = root().join(krate).join("src");
        let edges = uses(&src);
        assert!(
            !edges.is_empty() || krate == "bsm-io",
            "{krate}: no edges read"
        );
        let found = circles(&edges);
        assert!(found.is_empty(), "{krate}: import circles {found:?}");
    }
}

#[test]
fn the_circle_finder_finds_circles() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (a, b) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        edges.entry(a.into()).or_default().insert(b.into());
    }
    let found = circles(&edges);
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0],
        ["a", "b", "c"].iter().map(|s| s.to_string()).collect()
    );
}

#[test]
fn the_command_line_stays_in_its_folder() {
    let src = root().join("knox-cli/src");
    let mut misplaced = Vec::new();
    for f in rust_files(&src) {
        let rel = f.strip_prefix(&src).unwrap().to_string_lossy().to_string();
        let in_cli = rel.starts_with("cli/") || rel == "main.rs";
        let code = code(&f);
        for needle in [
            "clap",
            "is_terminal",
            "IsTerminal",
            "println!",
            "eprintln!",
            "print!(",
        ] {
            if !in_cli && code.contains(needle) {
                misplaced.push(format!("{rel}: {needle}"));
            }
        }
        if rel != "main.rs" && (code.contains("is_terminal") || code.contains("IsTerminal")) {
            misplaced.push(format!("{rel}: asks a stream whether it is a terminal"));
        }
    }
    assert!(misplaced.is_empty(), "{misplaced:#?}");
}

/// knox-cli's layers, top down: a unit may use only those below it.
const KNOX_CLI_LAYERS: [&[&str]; 5] = [
    &["cli"],
    &["tools"],
    &["output"],
    &["read"],
    &["error", "time"],
];

/// The uses in knox-cli that do not point down its layers, and the units in no layer.
fn knox_cli_misplaced(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let layer = |u: &str| KNOX_CLI_LAYERS.iter().position(|l| l.contains(&u));
    let mut bad = Vec::new();
    for (u, vs) in edges {
        for v in vs {
            match (layer(u), layer(v)) {
                (Some(a), Some(b)) if a < b => {}
                (Some(_), Some(_)) => bad.push(format!("{u} uses {v}, which is not below it")),
                _ => bad.push(format!("{u} uses {v}: a unit in no layer")),
            }
        }
    }
    bad
}

#[test]
fn knox_cli_layers_point_down() {
    let src = root().join("knox-cli/src");
    let edges = uses(&src);
    assert!(edges.contains_key("cli") && edges.contains_key("tools"));
    let bad = knox_cli_misplaced(&edges);
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn the_layer_check_finds_uses_that_point_up() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (a, b) in [("cli", "tools"), ("output", "tools"), ("read", "misc")] {
        edges.entry(a.into()).or_default().insert(b.into());
    }
    let bad = knox_cli_misplaced(&edges);
    assert_eq!(
        bad,
        [
            "output uses tools, which is not below it",
            "read uses misc: a unit in no layer"
        ]
    );
}
