//! The `tokens` table: one row per token, one typed column per token field. A token fills only
//! its own fields' columns; the others are padded with nulls in runs, when a later token needs
//! the column or when the batch ends, so that a row costs what its token holds rather than
//! the seventy-odd columns of the table.

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Int32Builder, Int64Builder, ListBuilder, StringBuilder, UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use bsm_format::token::fields::{Field, Kind, Value, Visitor};
use bsm_format::{Record, Token};

use crate::columns::Days;
use crate::schema::has_base64;

/// One field column and how many rows it holds.
struct Column {
    b: Builder,
    len: usize,
}

enum Builder {
    Int(Int64Builder),
    U64(UInt64Builder),
    Bool(BooleanBuilder),
    Text(StringBuilder),
    List(ListBuilder<StringBuilder>),
    IntList(ListBuilder<Int64Builder>),
}

impl Builder {
    fn of(k: Kind) -> Builder {
        match k {
            Kind::Int => Builder::Int(Int64Builder::new()),
            Kind::Int64 => Builder::U64(UInt64Builder::new()),
            Kind::Bool => Builder::Bool(BooleanBuilder::new()),
            Kind::Text | Kind::Bytes => Builder::Text(StringBuilder::new()),
            Kind::BytesList | Kind::TextList => {
                Builder::List(ListBuilder::new(StringBuilder::new()))
            }
            Kind::IntList => Builder::IntList(ListBuilder::new(Int64Builder::new())),
        }
    }

    fn nulls(&mut self, n: usize) {
        match self {
            Builder::Int(b) => b.append_nulls(n),
            Builder::U64(b) => b.append_nulls(n),
            Builder::Bool(b) => b.append_nulls(n),
            Builder::Text(b) => b.append_nulls(n),
            Builder::List(b) => (0..n).for_each(|_| b.append_null()),
            Builder::IntList(b) => (0..n).for_each(|_| b.append_null()),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Int(b) => Arc::new(b.finish()),
            Builder::U64(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
            Builder::Text(b) => Arc::new(b.finish()),
            Builder::List(b) => Arc::new(b.finish()),
            Builder::IntList(b) => Arc::new(b.finish()),
        }
    }
}

impl Column {
    /// Pads the column with nulls up to `row`.
    #[inline]
    fn at(&mut self, row: usize) -> &mut Builder {
        if self.len < row {
            self.b.nulls(row - self.len);
            self.len = row;
        }
        self.len += 1;
        &mut self.b
    }
}

/// Text of a value for a text column.
fn text_of(v: &Value<'_>, out: &mut String) {
    use std::fmt::Write;
    out.clear();
    let _ = match v {
        Value::Uint(n) => write!(out, "{n}"),
        Value::Bool(b) => write!(out, "{b}"),
        Value::Str(s) => write!(out, "{s}"),
        Value::Bytes(b) => write!(out, "{}", String::from_utf8_lossy(b)),
        Value::Addr(a) => write!(out, "{a}"),
        Value::Hex(b) => write!(out, "{}", bsm_format::types::Hex(b)),
        Value::Uuid(u) => write!(out, "{}", bsm_format::types::Uuid(u)),
        Value::Word(w) => write!(out, "{w:#018x}"),
    };
}

/// Bytes from the trail as `knox json` keeps them: text when UTF-8 without NUL.
fn plain(b: &[u8]) -> Option<&str> {
    std::str::from_utf8(b).ok().filter(|s| !s.contains('\0'))
}

fn base64(b: &[u8]) -> String {
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b)
}

/// The columns of the table's token fields, and where each field's column is.
pub(crate) struct Local {
    file: StringBuilder,
    offset: Int64Builder,
    index: Int32Builder,
    ty: StringBuilder,
    columns: Vec<Column>,
    /// For each field (by its place in `Field::ALL`), its column; its `_base64` column is the
    /// next one.
    place: Vec<usize>,
    rows: usize,
    days: Days,
    scratch: String,
}

impl Local {
    pub(crate) fn new() -> Local {
        let mut columns = Vec::new();
        let mut place = Vec::new();
        for f in Field::ALL {
            place.push(columns.len());
            columns.push(Column {
                b: Builder::of(f.kind()),
                len: 0,
            });
            if has_base64(f.kind()) {
                columns.push(Column {
                    b: Builder::of(f.kind()),
                    len: 0,
                });
            }
        }
        Local {
            file: StringBuilder::new(),
            offset: Int64Builder::new(),
            index: Int32Builder::new(),
            ty: StringBuilder::new(),
            columns,
            place,
            rows: 0,
            days: Days::default(),
            scratch: String::new(),
        }
    }

    /// Appends a row per token of the record (up to the first that fails to decode).
    pub(crate) fn record(&mut self, file: &str, time: bsm_format::Time, rec: &Record<'_>) {
        for (i, t) in rec.tokens().enumerate() {
            let Ok(t) = t else { break };
            self.token(file, rec.offset(), i, time, &t);
        }
    }

    /// Appends a token's row.
    pub(crate) fn token(
        &mut self,
        file: &str,
        offset: u64,
        index: usize,
        time: bsm_format::Time,
        t: &Token<'_>,
    ) {
        self.file.append_value(file);
        self.offset.append_value(offset as i64);
        self.index
            .append_value(i32::try_from(index).unwrap_or(i32::MAX));
        self.days.push(time);
        t.visit(self);
        self.rows += 1;
    }

    fn column(&mut self, f: Field) -> (usize, usize) {
        let i = self.place[f as usize];
        (i, i + 1)
    }

    /// The rows appended since the last call, with their days.
    pub(crate) fn take(&mut self) -> (Vec<ArrayRef>, arrow_array::Date32Array) {
        let rows = self.rows;
        let mut out: Vec<ArrayRef> = vec![
            Arc::new(self.file.finish()),
            Arc::new(self.offset.finish()),
            Arc::new(self.index.finish()),
            Arc::new(self.ty.finish()),
        ];
        for c in &mut self.columns {
            if c.len < rows {
                c.b.nulls(rows - c.len);
            }
            c.len = 0;
            out.push(c.b.finish());
        }
        self.rows = 0;
        (out, self.days.finish())
    }
}

impl<'t> Visitor<'t> for Local {
    fn token_type(&mut self, name: &str) {
        self.ty.append_value(name);
    }

    fn value(&mut self, field: Field, v: Value<'t>) {
        let row = self.rows;
        let (i, b64) = self.column(field);
        if let Value::Bytes(bytes) = v {
            match plain(bytes) {
                Some(s) => {
                    if let Builder::Text(b) = self.columns[i].at(row) {
                        b.append_value(s);
                    }
                }
                None => {
                    if let Builder::Text(b) = self.columns[b64].at(row) {
                        b.append_value(base64(bytes));
                    }
                }
            }
            return;
        }
        let scratch = &mut self.scratch;
        match (self.columns[i].at(row), v) {
            (Builder::Int(b), Value::Uint(n)) => b.append_value(n as i64),
            (Builder::U64(b), Value::Uint(n)) => b.append_value(n),
            (Builder::Bool(b), Value::Bool(x)) => b.append_value(x),
            (Builder::Text(b), Value::Str(s)) => b.append_value(s),
            (Builder::Text(b), v) => {
                text_of(&v, scratch);
                b.append_value(&*scratch);
            }
            // A value of another kind than its field's (no token writes one).
            (Builder::Int(b), _) => b.append_null(),
            (Builder::U64(b), _) => b.append_null(),
            (Builder::Bool(b), _) => b.append_null(),
            (Builder::List(b), _) => b.append_null(),
            (Builder::IntList(b), _) => b.append_null(),
        }
    }

    fn list(&mut self, field: Field, items: impl Iterator<Item = Value<'t>>) {
        let row = self.rows;
        let (i, b64) = self.column(field);
        let items: Vec<Value<'t>> = items.collect();
        let scratch = &mut self.scratch;
        match self.columns[i].at(row) {
            Builder::IntList(b) => {
                for v in &items {
                    match v {
                        Value::Uint(n) => b.values().append_value(*n as i64),
                        _ => b.values().append_null(),
                    }
                }
                b.append(true);
            }
            Builder::List(b) => {
                let mut all_plain = true;
                for v in &items {
                    match v {
                        Value::Bytes(x) => match plain(x) {
                            Some(s) => b.values().append_value(s),
                            None => {
                                all_plain = false;
                                b.values().append_null();
                            }
                        },
                        v => {
                            text_of(v, scratch);
                            b.values().append_value(&*scratch);
                        }
                    }
                }
                b.append(true);
                if !all_plain {
                    // The items that are not text, in their places.
                    if let Builder::List(b) = self.columns[b64].at(row) {
                        for v in &items {
                            match v {
                                Value::Bytes(x) if plain(x).is_none() => {
                                    b.values().append_value(base64(x))
                                }
                                _ => b.values().append_null(),
                            }
                        }
                        b.append(true);
                    }
                }
            }
            b => b.nulls(1),
        }
    }
}

/// The batch of the rows whose columns are `local`, with the place columns last.
pub(crate) fn assemble(
    mut local: Vec<ArrayRef>,
    days: arrow_array::Date32Array,
    host: Option<&str>,
) -> Result<RecordBatch, arrow_schema::ArrowError> {
    local.extend(crate::columns::place(host, days));
    RecordBatch::try_new(crate::schema::tokens(), local)
}
