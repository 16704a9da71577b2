//! `knox tree`: the parent/child tree of processes, printed as branches close.
//!
//! A branch (a process and its descendants) closes when all its processes are done; it is kept
//! with its parent and printed when the parent's branch closes, so each process is printed once,
//! children in order of appearance, and a root's branch as soon as it closes. Memory holds the
//! processes of open branches: under a root that runs for the whole trail (launchd, init) that
//! is every process of the trail, one line each.
//!
//! Followed or live input never ends, so there a closed branch whose parent still runs is
//! printed at once, under the lines of its running ancestors (marked `[running]`): memory then
//! holds only running processes and the exited ancestors of running ones, and an ancestor can
//! appear more than once (as context for each group of children, then with its exit status).
//! In JSON every line carries `id` (the stable process id) and `parent_id`, so the tree can be
//! rebuilt exactly either way.
//!
//! With a selection, a process is shown when it made a selected record, or when it is the
//! ancestor of one that did (so that the branch still reads as a tree).

use std::collections::VecDeque;
use std::io;

use knox_model::{End, Host, Key, Model, Process};

use super::print::Out;
use super::{command_text, shown, Activity, Needs, Report};

/// What a tree line shows of a process.
#[derive(Clone)]
struct Line {
    id: String,
    parent_id: Option<String>,
    host: Option<String>,
    pid: u32,
    ppid: Option<u32>,
    command: String,
    status: Option<u32>,
}

impl Line {
    fn of(p: &Process<Activity>, model: &Model<Activity>) -> Line {
        Line {
            id: p.id.to_string(),
            parent_id: p.parent.as_ref().map(|p| p.to_string()),
            host: model.host_name(p.host).map(str::to_string),
            pid: p.pid,
            ppid: p.ppid,
            command: command_text(p),
            status: p.status(),
        }
    }
}

/// A process whose branch is still open.
struct Node {
    host: Host,
    pid: u32,
    parent: Option<u64>,
    depth: usize,
    /// The process is shown (in scope, with a selected record), or one of its closed
    /// descendants is.
    keep: bool,
    /// Set when the process is done.
    line: Option<Line>,
    /// Closed branches of children, printed with this process.
    children: Vec<u64>,
    /// 1 while the process runs, plus one for each child whose branch is open.
    open: u32,
}

/// The open nodes by `seq`. Processes appear in `seq` order and mostly end in about that
/// order, so a queue from the oldest open one is denser than a hash map (a gap costs 8 bytes).
#[derive(Default)]
struct Nodes {
    /// `seq` of `slots[0]`.
    base: u64,
    slots: VecDeque<Option<Box<Node>>>,
    held: usize,
}

impl Nodes {
    fn slot(&self, seq: u64) -> Option<usize> {
        let i = usize::try_from(seq.checked_sub(self.base)?).ok()?;
        (i < self.slots.len()).then_some(i)
    }

    fn get(&self, seq: u64) -> Option<&Node> {
        self.slots[self.slot(seq)?].as_deref()
    }

    fn get_mut(&mut self, seq: u64) -> Option<&mut Node> {
        let i = self.slot(seq)?;
        self.slots[i].as_deref_mut()
    }

    /// Adds the node of a process that just appeared (`seq` above every held one).
    fn insert(&mut self, seq: u64, n: Node) {
        if self.held == 0 {
            self.slots.clear();
            self.base = seq;
        }
        let Some(i) = seq
            .checked_sub(self.base)
            .and_then(|i| usize::try_from(i).ok())
            .filter(|&i| i >= self.slots.len())
        else {
            return; // not in order: cannot happen, as the model numbers processes as they appear
        };
        self.slots.resize_with(i, || None);
        self.slots.push_back(Some(Box::new(n)));
        self.held += 1;
    }

    fn remove(&mut self, seq: u64) -> Option<Node> {
        let i = self.slot(seq)?;
        let n = self.slots[i].take()?;
        self.held -= 1;
        while matches!(self.slots.front(), Some(None)) {
            self.slots.pop_front();
            self.base += 1;
        }
        Some(*n)
    }

    /// The held nodes without a parent, oldest first.
    fn roots(&self) -> impl Iterator<Item = u64> + '_ {
        self.slots.iter().enumerate().filter_map(|(i, n)| {
            n.as_ref()
                .filter(|n| n.parent.is_none())
                .map(|_| self.base + i as u64)
        })
    }
}

pub struct Tree<'a> {
    o: Out<'a>,
    /// The input never ends (`--follow`, `--live`).
    streaming: bool,
    nodes: Nodes,
    /// The ancestors whose lines were printed last, root first: a branch printed under the
    /// same running parent does not repeat them.
    context: Vec<u64>,
}

impl<'a> Tree<'a> {
    pub fn new(o: Out<'a>, streaming: bool) -> Tree<'a> {
        Tree {
            o,
            streaming,
            nodes: Nodes::default(),
            context: Vec::new(),
        }
    }

    /// How many processes the tree holds (for tests of its memory).
    pub fn held(&self) -> usize {
        self.nodes.held
    }

    /// Prints one process; `context` when it is shown as the ancestor of a branch printed
    /// early (its own line comes when its branch closes).
    fn line(&mut self, depth: usize, l: &Line, context: bool, running: bool) -> io::Result<()> {
        if self.o.json {
            let mut buf = Vec::new();
            let mut o = crate::output::jsonw::Obj::new(&mut buf);
            o.str("id", &l.id);
            o.opt_str("parent_id", l.parent_id.as_deref());
            o.opt_str("host", l.host.as_deref());
            o.u64("pid", l.pid as u64);
            o.opt_u64("ppid", l.ppid.map(u64::from));
            o.u64("depth", depth as u64);
            o.str("command", &l.command);
            o.opt_u64("status", l.status.map(u64::from));
            o.bool("running", running);
            o.bool("context", context);
            o.end();
            buf.push(b'\n');
            self.o.out.write_all(&buf)
        } else {
            let status = match (running, l.status) {
                (true, _) => "  [running]".to_string(),
                (false, Some(s)) => format!("  [exit {s}]"),
                (false, None) => String::new(),
            };
            // Deep fork chains are indented no further than 64 levels.
            let indent = "  ".repeat(depth.min(64));
            self.o.host_cell(l.host.as_deref())?;
            writeln!(self.o.out, "{indent}{} {}{status}", l.pid, l.command)
        }
    }

    /// Prints the closed branch rooted at `root` and forgets it (iteratively: fork chains can be
    /// very deep).
    fn print_branch(&mut self, root: u64) -> io::Result<()> {
        let mut stack = vec![root];
        while let Some(seq) = stack.pop() {
            let Some(n) = self.nodes.remove(seq) else {
                continue;
            };
            // A branch with nothing shown is forgotten without a line (its children were not
            // kept either).
            if n.keep {
                let line = n.line.unwrap_or_else(|| unknown(n.pid));
                self.line(n.depth, &line, false, false)?;
            }
            let mut children = n.children;
            children.sort_unstable();
            stack.extend(children.iter().rev());
        }
        Ok(())
    }

    /// Prints the lines of `parent` and its ancestors that the last output did not show.
    fn print_context(&mut self, parent: u64, model: &Model<Activity>) -> io::Result<()> {
        let mut chain = vec![parent];
        while let Some(p) = self
            .nodes
            .get(*chain.last().expect("not empty"))
            .and_then(|n| n.parent)
        {
            chain.push(p);
        }
        chain.reverse();
        let same = self
            .context
            .iter()
            .zip(&chain)
            .take_while(|(a, b)| a == b)
            .count();
        for &seq in &chain[same..] {
            let n = self.nodes.get(seq).expect("open branches are kept");
            let (depth, host, pid) = (n.depth, n.host, n.pid);
            let (line, is_running) = match (&n.line, model.get(Key { host, pid, seq })) {
                (Some(l), _) => (l.clone(), false),
                (None, Some(p)) => (Line::of(p, model), true),
                (None, None) => (unknown(pid), true),
            };
            self.line(depth, &line, true, is_running)?;
        }
        self.context = chain;
        Ok(())
    }
}

/// The line of a process the tree knows only by its pid.
fn unknown(pid: u32) -> Line {
    Line {
        id: String::new(),
        parent_id: None,
        host: None,
        pid,
        ppid: None,
        command: "-".into(),
        status: None,
    }
}

impl Report for Tree<'_> {
    fn needs(&self) -> Needs {
        Needs::default()
    }

    fn started(&mut self, p: &Process<Activity>) {
        if !p.data.in_scope {
            return;
        }
        let parent = p.parent_seq.filter(|&s| self.nodes.get(s).is_some());
        let depth = match parent.and_then(|s| self.nodes.get_mut(s)) {
            Some(pn) => {
                pn.open += 1;
                pn.depth + 1
            }
            None => 0,
        };
        self.nodes.insert(
            p.seq,
            Node {
                host: p.host,
                pid: p.pid,
                parent,
                depth,
                keep: false,
                line: None,
                children: Vec::new(),
                open: 1,
            },
        );
    }

    fn ended(&mut self, p: Process<Activity>, _: End, model: &Model<Activity>) -> io::Result<()> {
        let keep = shown(&p);
        let Some(n) = self.nodes.get_mut(p.seq) else {
            return Ok(());
        };
        n.line = Some(Line::of(&p, model));
        n.keep |= keep;
        n.open -= 1;
        // Close the branches that this was the last open part of, from this process up.
        let mut seq = p.seq;
        loop {
            let n = self.nodes.get(seq).expect("open branches are kept");
            if n.open > 0 {
                return Ok(());
            }
            let (keep, up) = (n.keep, n.parent);
            let Some(parent) = up else {
                self.context.clear();
                return self.print_branch(seq);
            };
            let pn = self
                .nodes
                .get_mut(parent)
                .expect("parents outlive children");
            pn.open -= 1;
            pn.keep |= keep;
            if self.streaming && pn.line.is_none() {
                if keep {
                    self.print_context(parent, model)?;
                }
                return self.print_branch(seq);
            }
            pn.children.push(seq);
            seq = parent;
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        // The model hands over every process before this, so every branch is closed and
        // printed; anything left would be a broken promise, printed rather than lost.
        let roots: Vec<u64> = self.nodes.roots().collect();
        for r in roots {
            self.print_branch(r)?;
        }
        Ok(())
    }
}
