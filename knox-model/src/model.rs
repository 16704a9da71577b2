//! The process model: events applied in order build the processes of one or more hosts, each
//! with its parent, its programs and its exit, and hand each over when it ends.
//!
//! Only running processes are held, so memory follows the processes running at one time, not
//! the length of the trail. A process ends when its exit record arrives, when its pid is seen
//! starting again without an exit (the exit was not audited), when more processes run than the
//! model may hold (only a forged trail: no kernel has that many pids), or at the end of the
//! input ([`Model::finish`]).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use bsm_format::Time;

use crate::act::Act;
use crate::event::Event;
use crate::process::{Host, Image, Origin, Process, ProcessId};

/// Most processes held running. Pids on macOS and FreeBSD stay below 100,000 (PID_MAX is
/// 99,999), so only a forged trail goes past this on one host.
pub const MAX_RUNNING: usize = 100_000;

/// What a tool keeps for each process ([`Process::data`]). `()` keeps nothing.
pub trait Data {
    /// The data of a new process; `parent` is the data of the process that created it.
    fn started(pid: u32, parent: Option<&Self>) -> Self;
}

impl Data for () {
    fn started(_: u32, _: Option<&()>) {}
}

/// A running process, as [`Model::get`] finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    /// The host whose trail holds the process.
    pub host: Host,
    /// Its pid.
    pub pid: u32,
    /// Its order of appearance (tells apart processes that reused a pid).
    pub seq: u64,
}

/// Why a process was handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Its exit record.
    Exited,
    /// Its pid started again without an exit record.
    Replaced,
    /// More processes ran than the model holds; this one had run longest.
    Evicted,
    /// The input ended while it ran.
    InputEnded,
}

/// What changed since the last call to [`Model::changes`], in order.
#[derive(Debug)]
pub enum Change<T> {
    /// A process appeared (and is running: [`Model::get`] finds it).
    Started(Key),
    /// A process is over; the model has forgotten it.
    Ended(Box<Process<T>>, End),
}

/// The processes running at one point of the input.
pub struct Model<T = ()> {
    host_names: Vec<Option<Arc<str>>>,
    running: HashMap<(Host, u32), Box<Process<T>>>,
    /// (seq, host, pid) in order of appearance, to find the oldest running process; entries of
    /// processes already gone are dropped lazily.
    order: VecDeque<(u64, Host, u32)>,
    next_seq: u64,
    max_running: usize,
    changes: VecDeque<Change<T>>,
    /// Processes whose exit record was applied: handed over at the next step.
    exiting: Vec<(Host, u32, u64)>,
    /// Per host: the latest millisecond a process started in, and the pids started in it with
    /// how many times (to tell apart a pid reused within one millisecond).
    starts: Vec<(Time, Vec<(u32, u32)>)>,
    evicted: u64,
}

impl<T: Data> Default for Model<T> {
    fn default() -> Self {
        Model::new()
    }
}

impl<T: Data> Model<T> {
    /// An empty model holding at most [`MAX_RUNNING`] running processes.
    pub fn new() -> Model<T> {
        Model {
            host_names: vec![None],
            running: HashMap::new(),
            order: VecDeque::new(),
            next_seq: 0,
            max_running: MAX_RUNNING,
            changes: VecDeque::new(),
            exiting: Vec::new(),
            starts: Vec::new(),
            evicted: 0,
        }
    }

    /// The same model holding at most `n` running processes (at least 1).
    pub fn with_max_running(mut self, n: usize) -> Model<T> {
        self.max_running = n.max(1);
        self
    }

    /// The host of this name (`None`: records of an unnamed host), added on first use.
    pub fn host(&mut self, name: Option<&str>) -> Host {
        if let Some(i) = self.host_names.iter().position(|h| h.as_deref() == name) {
            return Host(i as u32);
        }
        self.host_names.push(name.map(Arc::from));
        Host(self.host_names.len() as u32 - 1)
    }

    /// A host's name.
    pub fn host_name(&self, host: Host) -> Option<&str> {
        self.host_names.get(host.0 as usize)?.as_deref()
    }

    /// Applies one event of `host`. Returns the process that made it (its subject), for the
    /// caller to note what the event means to it; `None` for records without a subject.
    pub fn apply<B: AsRef<[u8]>>(&mut self, host: Host, ev: &Event<B>) -> Option<&mut Process<T>> {
        self.settle();
        let s = ev.subject?;
        let me = (host, s.pid);
        if !self.running.contains_key(&me) {
            self.start(host, s.pid, None, Origin::Seen, ev.time);
        }
        let ok = !ev.failed();
        match ev.act {
            Act::Fork(kind) if ok => {
                if let Some(child) = ev.child() {
                    self.start(host, child, Some(s.pid), Origin::Fork(kind), ev.time);
                }
            }
            Act::Spawn if ok => {
                let target = match ev.child() {
                    Some(child) => {
                        self.start(host, child, Some(s.pid), Origin::Spawn, ev.time);
                        child
                    }
                    None => s.pid,
                };
                self.exec(host, target, ev);
            }
            Act::Exec if ok => self.exec(host, s.pid, ev),
            _ => {}
        }
        // Starting a child can hand over the subject (only when the model is full).
        let p = self.running.get_mut(&me)?;
        p.subject = Some(s);
        p.records += 1;
        if ev.act == Act::Exit {
            p.exit = ev.exit;
            p.end = Some(ev.time);
            self.exiting.push((host, s.pid, p.seq));
        }
        Some(p)
    }

    /// Records a new program for a running process.
    fn exec<B: AsRef<[u8]>>(&mut self, host: Host, pid: u32, ev: &Event<B>) {
        if let Some(p) = self.running.get_mut(&(host, pid)) {
            let argv = ev.argv().map(|a| (a.raw(), a.count));
            p.execs
                .push(Arc::new(Image::new(ev.time, ev.event, ev.path(), argv)));
        }
    }

    /// Hands over the processes whose exit was applied.
    fn settle(&mut self) {
        for (host, pid, seq) in self.exiting.drain(..) {
            if self.running.get(&(host, pid)).is_some_and(|p| p.seq == seq) {
                if let Some(p) = self.running.remove(&(host, pid)) {
                    self.changes.push_back(Change::Ended(p, End::Exited));
                }
            }
        }
    }

    /// A new process `pid` of `host`, created by the running process `ppid` (if any).
    fn start(&mut self, host: Host, pid: u32, ppid: Option<u32>, origin: Origin, t: Time) {
        let seq = self.next_seq;
        self.next_seq += 1;
        // Ids are pid and start time, numbered when a pid starts again in the same millisecond.
        // Times normally only grow per host; where they go back (a damaged or forged trail), an
        // id of that millisecond may have been given out already, so the number is one that no
        // earlier process can have had: more than the processes before this one.
        let h = host.0 as usize;
        if self.starts.len() <= h {
            self.starts
                .resize_with(h + 1, || (Time::new(0, 0), Vec::new()));
        }
        let (latest, pids) = &mut self.starts[h];
        let nth = if t > *latest || pids.is_empty() && t == *latest {
            *latest = t;
            pids.clear();
            pids.push((pid, 1));
            1
        } else if t == *latest {
            match pids.iter_mut().find(|(p, _)| *p == pid) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    pids.push((pid, 1));
                    1
                }
            }
        } else {
            u32::try_from(seq + 1).unwrap_or(u32::MAX)
        };
        let parent = ppid.and_then(|pp| self.running.get(&(host, pp)));
        let id = ProcessId::new(self.host_name(host), pid, t, nth);
        let p = Box::new(Process {
            id,
            seq,
            host,
            pid,
            parent: parent.map(|p| p.id.clone()),
            parent_seq: parent.map(|p| p.seq),
            ppid,
            origin,
            start: t,
            inherited: match origin {
                Origin::Fork(_) => {
                    parent.and_then(|p| p.execs.last().or(p.inherited.as_ref()).cloned())
                }
                _ => None,
            },
            execs: Vec::new(),
            end: None,
            exit: None,
            subject: None,
            records: 0,
            data: T::started(pid, parent.map(|p| &p.data)),
        });
        self.changes
            .push_back(Change::Started(Key { host, pid, seq }));
        // A pid seen starting again without its exit: the earlier process is over.
        if let Some(old) = self.running.insert((host, pid), p) {
            self.changes.push_back(Change::Ended(old, End::Replaced));
        }
        self.order.push_back((seq, host, pid));
        if self.running.len() > self.max_running {
            self.evict_oldest();
        }
        if self.order.len() > 2 * self.running.len() + 1024 {
            let running = &self.running;
            self.order.retain(|(seq, host, pid)| {
                running.get(&(*host, *pid)).is_some_and(|p| p.seq == *seq)
            });
        }
    }

    /// Hands over the process that has been running longest.
    fn evict_oldest(&mut self) {
        while let Some((seq, host, pid)) = self.order.pop_front() {
            if self.running.get(&(host, pid)).is_some_and(|p| p.seq == seq) {
                if let Some(p) = self.running.remove(&(host, pid)) {
                    self.changes.push_back(Change::Ended(p, End::Evicted));
                    self.evicted += 1;
                }
                return;
            }
        }
    }

    /// What changed since the last call: processes started and ended, in order.
    pub fn changes(&mut self) -> impl Iterator<Item = Change<T>> + '_ {
        self.settle();
        self.changes.drain(..)
    }

    /// The input ended: every running process is handed over (in order of appearance) as
    /// [`End::InputEnded`], after the changes not yet taken.
    pub fn finish(&mut self) {
        self.settle();
        let mut rest: Vec<Box<Process<T>>> = self.running.drain().map(|(_, p)| p).collect();
        rest.sort_by_key(|p| p.seq);
        self.order.clear();
        self.changes
            .extend(rest.into_iter().map(|p| Change::Ended(p, End::InputEnded)));
    }

    /// A running process.
    pub fn get(&self, key: Key) -> Option<&Process<T>> {
        self.running
            .get(&(key.host, key.pid))
            .filter(|p| p.seq == key.seq)
            .map(|p| &**p)
    }

    /// A running process, to change its data.
    pub fn get_mut(&mut self, key: Key) -> Option<&mut Process<T>> {
        self.running
            .get_mut(&(key.host, key.pid))
            .filter(|p| p.seq == key.seq)
            .map(|p| &mut **p)
    }

    /// The process running as `pid` on `host`.
    pub fn running_pid(&self, host: Host, pid: u32) -> Option<&Process<T>> {
        self.running.get(&(host, pid)).map(|p| &**p)
    }

    /// How many processes are running (what the model's memory follows).
    pub fn running(&self) -> usize {
        self.running.len()
    }

    /// How many processes were handed over early because the model was full.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// The most processes the model holds.
    pub fn max_running(&self) -> usize {
        self.max_running
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Acts;
    use bsm_format::encode::{with_nul, RecordBuilder};
    use bsm_format::tables::{EventTable, Flavor};
    use bsm_format::token::{Arg, Exit, Return, Subject, TerminalId, Width};
    use bsm_format::{Address, BsmErrno, EventType, Text, Token};

    /// A record of `pid` for `event` at second `sec`: child pid (arg 0), path, exit status.
    fn rec(event: u16, sec: u64, pid: u32, child: Option<u32>, path: Option<&str>) -> Vec<u8> {
        let mut b = RecordBuilder::new(EventType(event), Time::new(sec, 0));
        if let Some(c) = child {
            b.push(&Token::Arg(Arg {
                width: Width::W32,
                argno: 0,
                value: c as u64,
                text: Text(b"child PID\0"),
            }));
        }
        let p = path.map(|p| with_nul(p.as_bytes()));
        if let Some(p) = &p {
            b.push(&Token::Path(Text(p)));
        }
        if event == 1 {
            b.push(&Token::Exit(Exit {
                status: pid,
                retval: 0,
            }));
        }
        b.push(&Token::Subject(Subject {
            width: Width::W32,
            ex: false,
            auid: 501,
            euid: 501,
            egid: 20,
            ruid: 501,
            rgid: 20,
            pid,
            sid: 1,
            tid: TerminalId {
                port: 0,
                addr: Address::V4([0; 4]),
            },
        }));
        b.push(&Token::Return(Return {
            width: Width::W32,
            errno: BsmErrno(0),
            value: 0,
        }));
        b.finish()
    }

    /// Applies records (host name, bytes) in order; returns every process handed over.
    fn run(model: &mut Model, records: &[(Option<&str>, Vec<u8>)]) -> Vec<(Process, End)> {
        let acts = Acts::new(EventTable::embedded(Flavor::MacOs));
        let mut ended = Vec::new();
        for (host, bytes) in records {
            let h = model.host(*host);
            let r = bsm_format::records(bytes).next().unwrap().unwrap();
            let ev = Event::parse(&r, &acts).unwrap().unwrap();
            model.apply(h, &ev);
            for c in model.changes() {
                if let Change::Ended(p, why) = c {
                    ended.push((*p, why));
                }
            }
        }
        model.finish();
        for c in model.changes() {
            if let Change::Ended(p, why) = c {
                ended.push((*p, why));
            }
        }
        ended
    }

    fn path(p: &Process) -> Option<String> {
        p.image()
            .and_then(|i| i.path.as_deref())
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    #[test]
    fn lineage_images_exits_and_stable_ids() {
        let mut m = Model::new();
        let ended = run(
            &mut m,
            &[
                (None, rec(23, 10, 100, None, Some("/bin/sh"))),
                (None, rec(2, 11, 100, Some(200), None)),
                (None, rec(43190, 12, 100, Some(300), Some("/bin/ls"))),
                (None, rec(1, 13, 200, None, None)),
                (None, rec(1, 14, 300, None, None)),
                // pid 200 again: a new process, with a new id.
                (None, rec(2, 15, 100, Some(200), None)),
            ],
        );
        let by = |pid: u32, nth: usize| {
            ended
                .iter()
                .filter(|(p, _)| p.pid == pid)
                .nth(nth)
                .unwrap_or_else(|| panic!("process {pid} #{nth}"))
        };
        let (sh, why) = by(100, 0);
        assert_eq!(*why, End::InputEnded);
        assert_eq!(sh.id.as_str(), "100@10.000");
        assert_eq!(sh.origin, Origin::Seen);
        let (forked, why) = by(200, 0);
        assert_eq!(*why, End::Exited);
        assert_eq!(forked.parent.as_ref(), Some(&sh.id));
        assert_eq!(forked.ppid, Some(100));
        // A forked child runs its parent's program until it execs.
        assert_eq!(path(forked).as_deref(), Some("/bin/sh"));
        assert!(forked.image_is_inherited());
        assert_eq!(forked.status(), Some(200));
        let (spawned, _) = by(300, 0);
        assert_eq!(spawned.origin, Origin::Spawn);
        assert_eq!(path(spawned).as_deref(), Some("/bin/ls"));
        assert_eq!(spawned.parent.as_ref(), Some(&sh.id));
        assert_eq!(sh.execs.len(), 1, "the spawn's program is the child's");
        let (again, _) = by(200, 1);
        assert_eq!(again.id.as_str(), "200@15.000");
        assert_ne!(again.id, forked.id);
    }

    #[test]
    fn a_record_naming_its_own_subject_as_child_starts_no_process() {
        let mut m = Model::new();
        let ended = run(
            &mut m,
            &[
                (None, rec(23, 10, 100, None, Some("/bin/sh"))),
                // A fork "of" itself: nothing starts, and the record stays the subject's.
                (None, rec(2, 11, 100, Some(100), None)),
                // A spawn naming its caller: the caller's program is replaced.
                (None, rec(43190, 12, 100, Some(100), Some("/bin/ls"))),
                (None, rec(1, 13, 100, None, None)),
            ],
        );
        assert_eq!(ended.len(), 1, "{ended:?}");
        let (p, why) = &ended[0];
        assert_eq!(*why, End::Exited);
        assert_eq!(p.id.as_str(), "100@10.000");
        assert_eq!(p.origin, Origin::Seen);
        assert_eq!(p.records, 4);
        assert_eq!(p.execs.len(), 2);
        assert_eq!(path(p).as_deref(), Some("/bin/ls"));
    }

    #[test]
    fn processes_are_per_host_and_ids_name_the_host() {
        let mut m = Model::new();
        let ended = run(
            &mut m,
            &[
                (Some("a"), rec(23, 10, 100, None, Some("/bin/a"))),
                (Some("b"), rec(23, 10, 100, None, Some("/bin/b"))),
                (Some("a"), rec(1, 11, 100, None, None)),
            ],
        );
        assert_eq!(ended.len(), 2);
        let ids: Vec<&str> = ended.iter().map(|(p, _)| p.id.as_str()).collect();
        assert_eq!(ids, ["a/100@10.000", "b/100@10.000"]);
        assert_eq!(path(&ended[0].0).as_deref(), Some("/bin/a"));
        assert_eq!(ended[0].1, End::Exited);
        assert_eq!(path(&ended[1].0).as_deref(), Some("/bin/b"));
        assert_eq!(ended[1].1, End::InputEnded);
    }

    #[test]
    fn a_pid_reused_within_a_millisecond_still_gets_its_own_id() {
        let mut m = Model::new();
        let ended = run(
            &mut m,
            &[
                (None, rec(2, 10, 1, Some(50), None)),
                (None, rec(1, 10, 50, None, None)),
                (None, rec(2, 10, 1, Some(50), None)),
            ],
        );
        let ids: Vec<&str> = ended
            .iter()
            .filter(|(p, _)| p.pid == 50)
            .map(|(p, _)| p.id.as_str())
            .collect();
        assert_eq!(ids, ["50@10.000", "50@10.000#2"]);
    }

    /// Found by fuzzing: a stretch of records repeated after later ones, so that a pid starts
    /// again in a millisecond already left behind. Every process keeps an id of its own.
    #[test]
    fn ids_stay_unique_when_time_goes_back() {
        let mut m = Model::new();
        let ended = run(
            &mut m,
            &[
                (None, rec(2, 10, 1, Some(50), None)),
                (None, rec(2, 11, 1, Some(60), None)),
                (None, rec(2, 10, 1, Some(50), None)),
                (None, rec(2, 10, 1, Some(50), None)),
                (None, rec(2, 12, 1, Some(50), None)),
            ],
        );
        let ids: Vec<&str> = ended
            .iter()
            .filter(|(p, _)| p.pid == 50)
            .map(|(p, _)| p.id.as_str())
            .collect();
        assert_eq!(ids.len(), 4);
        let unique: std::collections::HashSet<&&str> = ids.iter().collect();
        assert_eq!(unique.len(), 4, "{ids:?}");
        assert_eq!(ids[0], "50@10.000");
        assert_eq!(ids[3], "50@12.000");
    }

    #[test]
    fn a_full_model_hands_over_the_oldest_process() {
        let mut m = Model::new().with_max_running(2);
        let ended = run(
            &mut m,
            &[
                (None, rec(23, 1, 1, None, Some("/a"))),
                (None, rec(23, 2, 2, None, Some("/b"))),
                (None, rec(23, 3, 3, None, Some("/c"))),
            ],
        );
        assert_eq!(ended[0].0.pid, 1);
        assert_eq!(ended[0].1, End::Evicted);
        assert_eq!(m.evicted(), 1);
        assert_eq!(ended.len(), 3);
    }
}
