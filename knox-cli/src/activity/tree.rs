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
//! In JSON every line carries `id` (unique per process, unlike pids) and `parent`, so the tree
//! can be rebuilt exactly either way.

use std::collections::VecDeque;
use std::io::{self, Write};

use super::{command_text, Activity, Process, Running, Sink};

/// What a tree line shows of a process.
#[derive(Clone)]
struct Line {
    pid: u32,
    ppid: Option<u32>,
    command: String,
    status: Option<u32>,
}

impl Line {
    fn of(p: &Process) -> Line {
        Line {
            pid: p.pid,
            ppid: p.ppid,
            command: command_text(p),
            status: p.status,
        }
    }
}

/// A process whose branch is still open.
struct Node {
    pid: u32,
    parent: Option<u64>,
    depth: usize,
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
    out: &'a mut dyn Write,
    json: bool,
    /// The input never ends (`--follow`, `--live`).
    streaming: bool,
    nodes: Nodes,
    /// The ancestors whose lines were printed last, root first: a branch printed under the
    /// same running parent does not repeat them.
    context: Vec<u64>,
}

impl<'a> Tree<'a> {
    pub fn new(out: &'a mut dyn Write, json: bool, streaming: bool) -> Tree<'a> {
        Tree {
            out,
            json,
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
    fn line(
        &mut self,
        id: u64,
        depth: usize,
        parent: Option<u64>,
        l: &Line,
        context: bool,
        running: bool,
    ) -> io::Result<()> {
        if self.json {
            let v = serde_json::json!({
                "depth": depth, "id": id, "parent": parent, "pid": l.pid, "ppid": l.ppid,
                "command": l.command, "status": l.status, "running": running, "context": context,
            });
            writeln!(self.out, "{v}")
        } else {
            let status = match (running, l.status) {
                (true, _) => "  [running]".to_string(),
                (false, Some(s)) => format!("  [exit {s}]"),
                (false, None) => String::new(),
            };
            // Deep fork chains are indented no further than 64 levels.
            let indent = "  ".repeat(depth.min(64));
            writeln!(self.out, "{indent}{} {}{status}", l.pid, l.command)
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
            let line = n.line.unwrap_or(Line {
                pid: n.pid,
                ppid: None,
                command: "-".into(),
                status: None,
            });
            self.line(seq, n.depth, n.parent, &line, false, false)?;
            let mut children = n.children;
            children.sort_unstable();
            stack.extend(children.iter().rev());
        }
        Ok(())
    }

    /// Prints the lines of `parent` and its ancestors that the last output did not show.
    fn print_context(&mut self, parent: u64, running: &Running<'_>) -> io::Result<()> {
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
            let (depth, up, pid) = (n.depth, n.parent, n.pid);
            let (line, is_running) = match (&n.line, running.get(seq, pid)) {
                (Some(l), _) => (l.clone(), false),
                (None, Some(p)) => (Line::of(p), true),
                (None, None) => (
                    Line {
                        pid,
                        ppid: None,
                        command: "-".into(),
                        status: None,
                    },
                    true,
                ),
            };
            self.line(seq, depth, up, &line, true, is_running)?;
        }
        self.context = chain;
        Ok(())
    }
}

impl Sink for Tree<'_> {
    fn started(&mut self, seq: u64, pid: u32, parent: Option<u64>, in_scope: bool) {
        if !in_scope {
            return;
        }
        let parent = parent.filter(|&p| self.nodes.get(p).is_some());
        let depth = match parent.and_then(|p| self.nodes.get_mut(p)) {
            Some(p) => {
                p.open += 1;
                p.depth + 1
            }
            None => 0,
        };
        self.nodes.insert(
            seq,
            Node {
                pid,
                parent,
                depth,
                line: None,
                children: Vec::new(),
                open: 1,
            },
        );
    }

    fn done(&mut self, a: Activity, running: &Running<'_>) -> io::Result<()> {
        let Some(n) = self.nodes.get_mut(a.seq) else {
            return Ok(());
        };
        n.line = Some(Line::of(&a.process));
        n.open -= 1;
        // Close the branches that this was the last open part of, from this process up.
        let mut seq = a.seq;
        loop {
            let n = self.nodes.get(seq).expect("open branches are kept");
            if n.open > 0 {
                return Ok(());
            }
            let Some(parent) = n.parent else {
                self.context.clear();
                return self.print_branch(seq);
            };
            let p = self
                .nodes
                .get_mut(parent)
                .expect("parents outlive children");
            p.open -= 1;
            if self.streaming && p.line.is_none() {
                self.print_context(parent, running)?;
                return self.print_branch(seq);
            }
            p.children.push(seq);
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
