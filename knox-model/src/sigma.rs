//! What a record is in the Sigma taxonomy's terms: which log category it belongs to
//! (`process_creation`, `file_event`, `network_connection`) and the values of that category's
//! fields, from the record's facts and the process model. One table, [`FIELDS`], says which
//! field comes from what; `docs/sigma-fields.md` is generated from it ([`markdown`]) and a test
//! checks it against what [`fields_of`] fills.

use std::borrow::Cow;

use crate::act::{Act, FileOp, NetOp};
use crate::event::{Endpoint, Event};
use crate::model::{Key, Model};
use crate::process::{Host, Image, Process};

/// A Sigma log category that BSM records can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// A program started: a successful exec or posix_spawn.
    ProcessCreation,
    /// A file created or replaced: a creating or truncating open, a create, a rename's or link's
    /// new name (successful; never a read).
    FileEvent,
    /// A connection made or taken: a successful connect or accept.
    NetworkConnection,
}

impl Category {
    /// Every category.
    pub const ALL: [Category; 3] = [
        Category::ProcessCreation,
        Category::FileEvent,
        Category::NetworkConnection,
    ];

    /// The taxonomy's name (`process_creation`).
    pub fn name(self) -> &'static str {
        match self {
            Category::ProcessCreation => "process_creation",
            Category::FileEvent => "file_event",
            Category::NetworkConnection => "network_connection",
        }
    }

    /// The category of a taxonomy name.
    pub fn parse(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// A field of a category: its name, and where BSM's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSource {
    /// The category the field belongs to.
    pub category: Category,
    /// The taxonomy's name of the field (`CommandLine`).
    pub name: &'static str,
    /// What fills it, for the documentation.
    pub from: &'static str,
}

const fn f(category: Category, name: &'static str, from: &'static str) -> FieldSource {
    FieldSource {
        category,
        name,
        from,
    }
}

/// The fields BSM fills, per category: the one table of the mapping.
pub const FIELDS: &[FieldSource] = &[
    f(Category::ProcessCreation, "Image", "the exec's path (the executable); its first argument when the record has no path"),
    f(Category::ProcessCreation, "CommandLine", "the exec's arguments (exec_args token) joined by spaces"),
    f(Category::ProcessCreation, "ParentImage", "the parent's program when it created the process (the program a forked child inherited; a spawner's own program), from the process model"),
    f(Category::ProcessCreation, "ParentCommandLine", "that program's arguments joined by spaces"),
    f(Category::ProcessCreation, "User", "the name of the subject's effective user (--passwd, else this machine's accounts), else its number"),
    f(Category::ProcessCreation, "ProcessId", "the subject's pid (the child's for posix_spawn)"),
    f(Category::ProcessCreation, "ParentProcessId", "the parent's pid, from the process model"),
    f(Category::FileEvent, "TargetFilename", "the created path (the last path of a rename or link: the new name)"),
    f(Category::FileEvent, "Image", "the program of the process that made it, from the process model"),
    f(Category::FileEvent, "User", "the name of the subject's effective user"),
    f(Category::FileEvent, "ProcessId", "the subject's pid"),
    f(Category::NetworkConnection, "DestinationIp", "the remote address (connect's target; the local one of an accept)"),
    f(Category::NetworkConnection, "DestinationPort", "its port"),
    f(Category::NetworkConnection, "SourceIp", "the local address when the record has one (the peer of an accept)"),
    f(Category::NetworkConnection, "SourcePort", "its port"),
    f(Category::NetworkConnection, "Initiated", "`true` for connect, `false` for accept"),
    f(Category::NetworkConnection, "Image", "the program of the process, from the process model"),
    f(Category::NetworkConnection, "User", "the name of the subject's effective user"),
    f(Category::NetworkConnection, "ProcessId", "the subject's pid"),
];

/// Fields of the taxonomy that BSM records do not hold, with why: a rule that needs one cannot
/// be evaluated.
pub const MISSING: &[(&str, &str)] = &[
    ("CurrentDirectory", "exec records hold no working directory"),
    (
        "OriginalFileName",
        "code-signing metadata is not in BSM records",
    ),
    ("Hashes", "BSM records hold no file hashes"),
    ("IntegrityLevel", "a Windows concept"),
    ("Company", "file version metadata is not in BSM records"),
    ("Product", "file version metadata is not in BSM records"),
    ("Description", "file version metadata is not in BSM records"),
    ("LogonId", "a Windows concept"),
    (
        "ParentUser",
        "the parent's user is not kept by the process model",
    ),
];

/// The category of a record, if it is one.
pub fn category_of<B: AsRef<[u8]>>(ev: &Event<B>) -> Option<Category> {
    if ev.failed() {
        return None;
    }
    match ev.act {
        Act::Exec | Act::Spawn => Some(Category::ProcessCreation),
        Act::File(FileOp::Open(m)) if m.create || m.truncate => Some(Category::FileEvent),
        Act::File(FileOp::Create | FileOp::Rename | FileOp::Link) => Some(Category::FileEvent),
        Act::Net(NetOp::Connect | NetOp::Accept) if ev.remote().is_some() => {
            Some(Category::NetworkConnection)
        }
        _ => None,
    }
}

/// The place of a category's field in [`FIELDS`].
pub fn field_index(category: Category, name: &str) -> Option<usize> {
    FIELDS
        .iter()
        .position(|f| f.category == category && f.name == name)
}

/// A record's fields in its category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields<'e> {
    /// The category the record is of.
    pub category: Category,
    /// By place in [`FIELDS`].
    values: Vec<Option<Cow<'e, str>>>,
}

impl<'e> Fields<'e> {
    /// Fields of a category from (name, value) pairs (names not of the category are left out):
    /// for rules evaluated on values from elsewhere, and for tests.
    pub fn new(category: Category, values: &[(&str, &'e str)]) -> Fields<'e> {
        let mut f = Fields {
            category,
            values: vec![None; FIELDS.len()],
        };
        for (n, v) in values {
            if let Some(i) = field_index(category, n) {
                f.values[i] = Some(Cow::Borrowed(*v));
            }
        }
        f
    }

    /// A field's value, if the record has it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.at(field_index(self.category, name)?)
    }

    /// The value of the field at this place in [`FIELDS`], if the record has it.
    pub fn at(&self, i: usize) -> Option<&str> {
        self.values.get(i)?.as_deref()
    }

    /// Every field with a value, with its place in [`FIELDS`], in that order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &'static str, &str)> {
        self.values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| Some((i, FIELDS[i].name, v.as_deref()?)))
    }

    fn set(&mut self, name: &'static str, v: impl Into<Cow<'e, str>>) {
        if let Some(i) = field_index(self.category, name) {
            self.values[i] = Some(v.into());
        }
    }
}

/// Text of bytes from the trail (bytes that are not UTF-8 replaced).
fn text(b: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(b)
}

/// Arguments joined by spaces, as the taxonomy's command lines are.
pub fn joined<'a>(argv: impl Iterator<Item = &'a [u8]>) -> String {
    let mut s = String::new();
    for (i, a) in argv.enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&String::from_utf8_lossy(a));
    }
    s
}

/// An image's path, or its first argument (the `Image` of a process running it).
pub fn image_path(i: &Image) -> Option<String> {
    match &i.path {
        Some(p) => Some(text(p).into_owned()),
        None => i.argv().next().map(|a| text(a).into_owned()),
    }
}

/// The process that created `p` and the program it ran then: a forked child inherited it; a
/// spawned one's spawner is looked up (as the model holds it now).
fn parent_of<'m, T: crate::model::Data>(
    model: &'m Model<T>,
    host: Host,
    p: &'m Process<T>,
) -> (Option<u32>, Option<&'m Image>) {
    let parent = match (p.ppid, p.parent_seq) {
        (Some(pid), Some(seq)) => model.get(Key { host, pid, seq }),
        (Some(pid), None) => model.running_pid(host, pid),
        _ => None,
    };
    let image = p
        .inherited
        .as_deref()
        .or_else(|| parent.and_then(|x| x.image()));
    (p.ppid.or(parent.map(|x| x.pid)), image)
}

/// The fields of a record in its category, with the model as it stands after taking it, and
/// `user` naming a uid.
pub fn fields_of<'e, B: AsRef<[u8]>, T: crate::model::Data>(
    ev: &'e Event<B>,
    model: &Model<T>,
    host: Host,
    user: &dyn Fn(u32) -> Option<String>,
) -> Option<Fields<'e>> {
    let category = category_of(ev)?;
    let mut f = Fields {
        category,
        values: vec![None; FIELDS.len()],
    };
    let subject = ev.subject;
    let user_of = |uid: u32| user(uid).unwrap_or_else(|| uid.to_string());
    match category {
        Category::ProcessCreation => {
            let pid = ev.runner();
            let argv = ev.argv();
            let image = ev
                .path()
                .map(text)
                .or_else(|| argv.and_then(|a| a.iter().next()).map(text));
            if let Some(i) = image {
                f.set("Image", i);
            }
            if let Some(a) = argv {
                f.set("CommandLine", joined(a.iter()));
            }
            let process = pid.and_then(|pid| model.running_pid(host, pid));
            if let Some(p) = process {
                let (ppid, parent_image) = parent_of(model, host, p);
                if let Some(i) = parent_image {
                    if let Some(path) = image_path(i) {
                        f.set("ParentImage", path);
                    }
                    if i.argc.is_some() || i.argv().next().is_some() {
                        f.set("ParentCommandLine", joined(i.argv()));
                    }
                }
                if let Some(pp) = ppid {
                    f.set("ParentProcessId", pp.to_string());
                }
            }
            if let Some(s) = subject {
                f.set("User", user_of(s.euid));
            }
            if let Some(pid) = pid {
                f.set("ProcessId", pid.to_string());
            }
        }
        Category::FileEvent => {
            let target = match ev.act {
                Act::File(FileOp::Rename | FileOp::Link) => ev.paths().last(),
                _ => ev.path(),
            };
            if let Some(t) = target {
                f.set("TargetFilename", text(t));
            }
            subject_fields(&mut f, ev, model, host, &user_of);
        }
        Category::NetworkConnection => {
            let initiated = ev.act == Act::Net(NetOp::Connect);
            // Of an accept, the remote end is the peer that connected: the source.
            let (dst, src) = if initiated {
                (ev.remote(), ev.local())
            } else {
                (ev.local(), ev.remote())
            };
            for (end, ip, port) in [
                (dst, "DestinationIp", "DestinationPort"),
                (src, "SourceIp", "SourcePort"),
            ] {
                if let Some(Endpoint::Inet { addr, port: p }) = end {
                    f.set(ip, addr.to_string());
                    f.set(port, p.to_string());
                }
            }
            f.set("Initiated", if initiated { "true" } else { "false" });
            subject_fields(&mut f, ev, model, host, &user_of);
        }
    }
    Some(f)
}

/// Image, User and ProcessId of the subject.
fn subject_fields<B: AsRef<[u8]>, T: crate::model::Data>(
    f: &mut Fields<'_>,
    ev: &Event<B>,
    model: &Model<T>,
    host: Host,
    user_of: &dyn Fn(u32) -> String,
) {
    let Some(s) = ev.subject else { return };
    if let Some(path) = model
        .running_pid(host, s.pid)
        .and_then(|p| p.image())
        .and_then(image_path)
    {
        f.set("Image", path);
    }
    f.set("User", user_of(s.euid));
    f.set("ProcessId", s.pid.to_string());
}

/// The table as Markdown (`docs/sigma-fields.md`).
pub fn markdown() -> String {
    let mut s = String::from(
        "# Sigma fields from BSM records\n\n\
         Generated by `knox hunt --fields` from `knox-model/src/sigma.rs`; a test checks that this \
         file is what the code fills. `knox hunt` evaluates a Sigma rule on the records of its \
         logsource category; a rule that needs a field BSM cannot fill is not evaluated, and is \
         named on stderr with the reason.\n\n\
         | category | field | from |\n|---|---|---|\n",
    );
    for x in FIELDS {
        s.push_str(&format!(
            "| `{}` | `{}` | {} |\n",
            x.category.name(),
            x.name,
            x.from
        ));
    }
    s.push_str("\n## Fields BSM cannot fill\n\n| field | why |\n|---|---|\n");
    for (name, why) in MISSING {
        s.push_str(&format!("| `{name}` | {why} |\n"));
    }
    s
}
