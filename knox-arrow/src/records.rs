//! The `records` table: one row per record. What the record says is built on the loop's
//! threads ([`Local`]); what only the process model knows (the subject's stable id, its parent,
//! its command line) is built in input order ([`Processes`]) and the two are put together by
//! [`finish`].

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Int32Builder, Int64Builder, ListBuilder, StringBuilder,
    TimestampMillisecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use bsm_format::token::Width;
use bsm_format::Record;
use knox_model::{Event, Outcome, Process};

use arrow_array::Array;

use crate::columns::{lossy, millis, Days};
use crate::Context;

/// The columns a record fills by itself.
pub(crate) struct Local {
    time: TimestampMillisecondBuilder,
    file: StringBuilder,
    offset: Int64Builder,
    length: Int64Builder,
    kind: StringBuilder,
    event: Int32Builder,
    event_name: StringBuilder,
    act: StringBuilder,
    modifier: Int32Builder,
    success: BooleanBuilder,
    errno: Int32Builder,
    errno_name: StringBuilder,
    errno_text: StringBuilder,
    return_value: Int64Builder,
    pid: Int64Builder,
    auid: Int64Builder,
    euid: Int64Builder,
    egid: Int64Builder,
    ruid: Int64Builder,
    rgid: Int64Builder,
    session: Int64Builder,
    terminal: StringBuilder,
    user: StringBuilder,
    paths: ListBuilder<StringBuilder>,
    argv: ListBuilder<StringBuilder>,
    envp: ListBuilder<StringBuilder>,
    text: StringBuilder,
    remote_address: StringBuilder,
    local_address: StringBuilder,
    seq: Int64Builder,
    exit_status: Int64Builder,
    error: StringBuilder,
    days: Days,
    rows: usize,
    /// The last terminal written, and its text (records come in runs from one terminal).
    terminal_last: Option<(bsm_format::token::TerminalId, String)>,
    /// Scratch text (addresses, errors).
    scratch: String,
}

/// A text column with room for `rows` values of about `bytes` bytes each.
fn text(rows: usize, bytes: usize) -> StringBuilder {
    StringBuilder::with_capacity(rows, rows * bytes)
}

fn strings(rows: usize, items: usize) -> ListBuilder<StringBuilder> {
    ListBuilder::with_capacity(text(rows * items, 24), rows)
}

impl Local {
    /// Builders with room for `rows` rows: a batch's builders are made at the size of the
    /// last one, so that they rarely grow (growing copies every buffer).
    pub(crate) fn new(rows: usize) -> Local {
        let int = Int64Builder::with_capacity;
        Local {
            time: TimestampMillisecondBuilder::with_capacity(rows).with_timezone("+00:00"),
            file: text(rows, 48),
            offset: int(rows),
            length: int(rows),
            kind: text(rows, 10),
            event: Int32Builder::with_capacity(rows),
            event_name: text(rows, 16),
            act: text(rows, 10),
            modifier: Int32Builder::with_capacity(rows),
            success: BooleanBuilder::with_capacity(rows),
            errno: Int32Builder::with_capacity(rows),
            errno_name: text(rows, 2),
            errno_text: text(rows, 6),
            return_value: int(rows),
            pid: int(rows),
            auid: int(rows),
            euid: int(rows),
            egid: int(rows),
            ruid: int(rows),
            rgid: int(rows),
            session: int(rows),
            terminal: text(rows, 10),
            user: text(rows, 8),
            paths: strings(rows, 1),
            argv: strings(rows / 8, 3),
            envp: strings(rows / 8, 1),
            text: text(rows, 2),
            remote_address: text(rows, 4),
            local_address: text(rows, 4),
            seq: int(rows),
            exit_status: int(rows),
            error: text(rows, 0),
            days: Days::with_capacity(rows),
            rows: 0,
            terminal_last: None,
            scratch: String::new(),
        }
    }

    /// Appends a record's row.
    pub(crate) fn record(
        &mut self,
        cx: &mut Context<'_>,
        file: &str,
        ev: &Event<&[u8]>,
        rec: &Record<'_>,
    ) {
        use std::fmt::Write;
        self.rows += 1;
        self.days.push(ev.time);
        self.time.append_value(millis(ev.time));
        self.file.append_value(file);
        self.offset.append_value(ev.offset() as i64);
        self.length.append_value(rec.len() as i64);
        self.kind
            .append_value(ev.header.id().name().unwrap_or("header"));
        self.event.append_value(ev.event.0 as i32);
        self.event_name
            .append_option(cx.events.get(ev.event.0).map(|e| e.name.as_str()));
        self.act.append_value(ev.act.name());
        self.modifier.append_value(ev.modifier.bits() as i32);
        match ev.outcome() {
            Outcome::Success => self.success.append_value(true),
            Outcome::Failure(_) => self.success.append_value(false),
            Outcome::Unknown => self.success.append_null(),
        }
        let failure = ev.failure();
        self.errno.append_option(failure.map(|f| f.errno.0 as i32));
        self.errno_name
            .append_option(failure.and_then(|f| f.name()));
        self.errno_text.append_option(failure.map(|f| f.text()));
        self.return_value
            .append_option(ev.result.map(|r| match r.width {
                Width::W32 => r.value as u32 as i32 as i64,
                Width::W64 => r.value as i64,
            }));
        match ev.subject {
            Some(s) => {
                self.pid.append_value(s.pid as i64);
                self.auid.append_value(s.auid as i64);
                self.euid.append_value(s.euid as i64);
                self.egid.append_value(s.egid as i64);
                self.ruid.append_value(s.ruid as i64);
                self.rgid.append_value(s.rgid as i64);
                self.session.append_value(s.sid as i64);
                match &self.terminal_last {
                    Some((t, text)) if *t == s.tid => self.terminal.append_value(text),
                    _ => {
                        let text = format!("{} {}", s.tid.port, s.tid.addr);
                        self.terminal.append_value(&text);
                        self.terminal_last = Some((s.tid, text));
                    }
                }
                self.user.append_option(cx.user_name(s.euid));
            }
            None => {
                for b in [
                    &mut self.pid,
                    &mut self.auid,
                    &mut self.euid,
                    &mut self.egid,
                    &mut self.ruid,
                    &mut self.rgid,
                    &mut self.session,
                ] {
                    b.append_null();
                }
                self.terminal.append_null();
                self.user.append_null();
            }
        }
        for p in ev.paths() {
            self.paths.values().append_value(lossy(p));
        }
        self.paths.append(true);
        append_strings(&mut self.argv, ev.argv().map(|a| a.iter()));
        append_strings(&mut self.envp, ev.envp().map(|a| a.iter()));
        self.text.append_option(ev.text().map(lossy));
        append_endpoint(&mut self.remote_address, &mut self.scratch, ev.remote());
        append_endpoint(&mut self.local_address, &mut self.scratch, ev.local());
        self.seq.append_option(ev.seq.map(i64::from));
        self.exit_status
            .append_option(ev.exit.map(|x| x.status as i64));
        match &ev.error {
            Some(e) => {
                self.scratch.clear();
                let _ = write!(self.scratch, "{e}");
                self.error.append_value(&self.scratch);
            }
            None => self.error.append_null(),
        }
    }
}

fn append_strings<'a>(
    b: &mut ListBuilder<StringBuilder>,
    items: Option<impl Iterator<Item = &'a [u8]>>,
) {
    match items {
        Some(items) => {
            for x in items {
                b.values().append_value(lossy(x));
            }
            b.append(true);
        }
        None => b.append(false),
    }
}

fn append_endpoint(
    b: &mut StringBuilder,
    scratch: &mut String,
    e: Option<knox_model::Endpoint<'_>>,
) {
    use std::fmt::Write;
    match e {
        Some(e) => {
            scratch.clear();
            let _ = write!(scratch, "{e}");
            b.append_value(&*scratch);
        }
        None => b.append_null(),
    }
}

/// The columns the process model fills, in input order.
pub(crate) struct Processes {
    ppid: Int64Builder,
    process_id: StringBuilder,
    parent_id: StringBuilder,
    command_line: StringBuilder,
}

impl Processes {
    pub(crate) fn new(rows: usize) -> Processes {
        Processes {
            ppid: Int64Builder::with_capacity(rows),
            process_id: text(rows, 24),
            parent_id: text(rows, 24),
            command_line: text(rows, 40),
        }
    }

    /// Appends the row of a record whose subject is `p` (as the model stands after it).
    pub(crate) fn row(&mut self, p: Option<&Process<crate::model::Cache>>) {
        match p {
            Some(p) => {
                self.ppid.append_option(p.ppid.map(i64::from));
                self.process_id.append_value(p.id.as_str());
                self.parent_id
                    .append_option(p.parent.as_ref().map(|id| id.as_str()));
                match (p.image(), p.data.command_line(p)) {
                    (Some(_), Some(c)) => self.command_line.append_value(&*c),
                    // A program the trail shows neither the path nor the arguments of.
                    (Some(_), None) => self.command_line.append_value("-"),
                    (None, _) => self.command_line.append_null(),
                }
            }
            None => {
                self.ppid.append_null();
                self.process_id.append_null();
                self.parent_id.append_null();
                self.command_line.append_null();
            }
        }
    }
}

impl Local {
    /// The columns of the rows appended since the last call (the model's four left out), and
    /// their days.
    pub(crate) fn take(&mut self) -> (Vec<ArrayRef>, arrow_array::Date32Array) {
        let next = Local::new(self.rows + self.rows / 8);
        let mut old = std::mem::replace(self, next);
        let l = &mut old;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(l.time.finish()),
            Arc::new(l.file.finish()),
            Arc::new(l.offset.finish()),
            Arc::new(l.length.finish()),
            Arc::new(l.kind.finish()),
            Arc::new(l.event.finish()),
            Arc::new(l.event_name.finish()),
            Arc::new(l.act.finish()),
            Arc::new(l.modifier.finish()),
            Arc::new(l.success.finish()),
            Arc::new(l.errno.finish()),
            Arc::new(l.errno_name.finish()),
            Arc::new(l.errno_text.finish()),
            Arc::new(l.return_value.finish()),
            Arc::new(l.pid.finish()),
            Arc::new(l.auid.finish()),
            Arc::new(l.euid.finish()),
            Arc::new(l.egid.finish()),
            Arc::new(l.ruid.finish()),
            Arc::new(l.rgid.finish()),
            Arc::new(l.session.finish()),
            Arc::new(l.terminal.finish()),
            Arc::new(l.user.finish()),
            Arc::new(l.paths.finish()),
            Arc::new(l.argv.finish()),
            Arc::new(l.envp.finish()),
            Arc::new(l.text.finish()),
            Arc::new(l.remote_address.finish()),
            Arc::new(l.local_address.finish()),
            Arc::new(l.seq.finish()),
            Arc::new(l.exit_status.finish()),
            Arc::new(l.error.finish()),
        ];
        (columns, l.days.finish())
    }
}

/// Where the model's columns go among the others (after `pid`).
const MODEL_AT: usize = 15;

impl Processes {
    /// The batch of the rows whose record columns are `local`: the model's columns put in
    /// their place, the place columns last.
    pub(crate) fn assemble(
        &mut self,
        mut local: Vec<ArrayRef>,
        days: arrow_array::Date32Array,
        host: Option<&str>,
    ) -> Result<RecordBatch, arrow_schema::ArrowError> {
        let next = Processes::new(local.first().map_or(0, |c| c.len() + c.len() / 8));
        let mut old = std::mem::replace(self, next);
        let model: [ArrayRef; 4] = [
            Arc::new(old.ppid.finish()),
            Arc::new(old.process_id.finish()),
            Arc::new(old.parent_id.finish()),
            Arc::new(old.command_line.finish()),
        ];
        let tail = local.split_off(MODEL_AT);
        local.extend(model);
        local.extend(tail);
        local.extend(crate::columns::place(host, days));
        RecordBatch::try_new(crate::schema::records(), local)
    }
}
