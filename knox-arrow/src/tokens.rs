//! The `tokens` table: one row per token, one typed column per token field. A token fills only
//! its own fields' columns; the others are padded with nulls in runs, when a later token needs
//! the column or when the batch ends, so that a row costs what its token holds rather than
//! the seventy-odd columns of the table.

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Int32Builder, Int64Builder, ListBuilder, StringBuilder, UInt32Builder,
    UInt64Builder,
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
    Int(UInt32Builder),
    U64(UInt64Builder),
    Bool(BooleanBuilder),
    Text(StringBuilder),
    List(ListBuilder<StringBuilder>),
    IntList(ListBuilder<UInt32Builder>),
}

impl Builder {
    fn of(k: Kind) -> Builder {
        match k {
            Kind::Int => Builder::Int(UInt32Builder::new()),
            Kind::Int64 => Builder::U64(UInt64Builder::new()),
            Kind::Bool => Builder::Bool(BooleanBuilder::new()),
            Kind::Text | Kind::Bytes => Builder::Text(StringBuilder::new()),
            Kind::BytesList | Kind::TextList => {
                Builder::List(ListBuilder::new(StringBuilder::new()))
            }
            Kind::IntList => Builder::IntList(ListBuilder::new(UInt32Builder::new())),
        }
    }

    fn nulls(&mut self, n: usize) {
        match self {
            Builder::Int(b) => b.append_nulls(n),
            Builder::U64(b) => b.append_nulls(n),
            Builder::Bool(b) => b.append_nulls(n),
            Builder::Text(b) => b.append_nulls(n),
            Builder::List(b) => b.append_nulls(n),
            Builder::IntList(b) => b.append_nulls(n),
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

/// The columns of the table's token fields, and where each field's column is: every field's
/// (the `tokens` table), or those of one token type only (a Parquet partition of one type).
pub(crate) struct Local {
    file: StringBuilder,
    offset: Int64Builder,
    index: Int32Builder,
    /// The `type` column, when the table has one.
    ty: Option<StringBuilder>,
    columns: Vec<Column>,
    /// The fields with a column, in the table's order.
    fields: Vec<Field>,
    /// For each field (by its place in `Field::ALL`), its column ([`ABSENT`] for none); its
    /// `_base64` column is the next one.
    place: Vec<usize>,
    rows: usize,
    days: Days,
    scratch: String,
}

/// The place of a field without a column.
const ABSENT: usize = usize::MAX;

impl Local {
    /// Every field's columns, and `type`.
    pub(crate) fn new() -> Local {
        Local::of(Field::ALL, true)
    }

    /// The columns of `fields` (in the table's order), with a `type` column or not.
    fn of(fields: &[Field], with_type: bool) -> Local {
        let mut columns = Vec::new();
        let mut place = vec![ABSENT; Field::ALL.len()];
        let mut kept: Vec<Field> = fields.to_vec();
        kept.sort();
        kept.dedup();
        for &f in &kept {
            place[f as usize] = columns.len();
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
            ty: with_type.then(StringBuilder::new),
            columns,
            fields: kept,
            place,
            rows: 0,
            days: Days::default(),
            scratch: String::new(),
        }
    }

    /// The schema of this builder's batches (with the place columns).
    fn schema(&self) -> arrow_schema::SchemaRef {
        if self.ty.is_some() && self.fields.len() == Field::ALL.len() {
            return crate::schema::tokens();
        }
        crate::schema::tokens_of(&self.fields, self.ty.is_some())
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

    fn column(&mut self, f: Field) -> Option<(usize, usize)> {
        let i = self.place[f as usize];
        (i != ABSENT).then_some((i, i + 1))
    }

    /// The schema of the batches [`Local::take`] makes (with the place columns).
    pub(crate) fn batch_schema(&self) -> arrow_schema::SchemaRef {
        self.schema()
    }

    /// The rows appended since the last call, with their days.
    pub(crate) fn take(&mut self) -> (Vec<ArrayRef>, arrow_array::Date32Array) {
        let rows = self.rows;
        let mut out: Vec<ArrayRef> = vec![
            Arc::new(self.file.finish()),
            Arc::new(self.offset.finish()),
            Arc::new(self.index.finish()),
        ];
        if let Some(ty) = &mut self.ty {
            out.push(Arc::new(ty.finish()));
        }
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
        if let Some(ty) = &mut self.ty {
            ty.append_value(name);
        }
    }

    fn value(&mut self, field: Field, v: Value<'t>) {
        let row = self.rows;
        // A type's partition has a column for each field the type has (see `Types`).
        let Some((i, b64)) = self.column(field) else {
            return;
        };
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
            (Builder::Int(b), Value::Uint(n)) => match u32::try_from(n) {
                Ok(n) => b.append_value(n),
                Err(_) => b.append_null(),
            },
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
        let Some((i, b64)) = self.column(field) else {
            return;
        };
        let items: Vec<Value<'t>> = items.collect();
        let scratch = &mut self.scratch;
        match self.columns[i].at(row) {
            Builder::IntList(b) => {
                for v in &items {
                    match v {
                        Value::Uint(n) => b.values().append_option(u32::try_from(*n).ok()),
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
    schema: arrow_schema::SchemaRef,
    mut local: Vec<ArrayRef>,
    days: arrow_array::Date32Array,
    host: Option<&str>,
) -> Result<RecordBatch, arrow_schema::ArrowError> {
    local.extend(crate::columns::place(host, days));
    RecordBatch::try_new(schema, local)
}

/// The fields a token has, in order.
struct Probe(Vec<Field>);

impl<'t> Visitor<'t> for Probe {
    fn token_type(&mut self, _: &str) {}
    fn value(&mut self, field: Field, _: Value<'t>) {
        self.0.push(field);
    }
    fn list(&mut self, field: Field, _: impl Iterator<Item = Value<'t>>) {
        self.0.push(field);
    }
}

/// The tokens table split by token type, each type with the columns of its own fields only:
/// what a Parquet export writes (`type=T/` partitions). A wide row of seventy-odd columns,
/// nearly all null, costs the Parquet writer a definition level per column per row; a type's
/// own columns cost it only theirs.
pub(crate) struct Types {
    /// A builder per token type seen, by token id.
    by_id: Vec<Option<Box<Local>>>,
    /// The ids in the order they were first seen (so that the batches come in a fixed order).
    order: Vec<u8>,
}

impl Types {
    pub(crate) fn new() -> Types {
        Types {
            by_id: (0..256).map(|_| None).collect(),
            order: Vec::new(),
        }
    }

    /// Appends a row per token of the record (up to the first that fails to decode).
    pub(crate) fn record(&mut self, file: &str, time: bsm_format::Time, rec: &Record<'_>) {
        for (i, t) in rec.tokens().enumerate() {
            let Ok(t) = t else { break };
            let id = t.id().0;
            let local = match &mut self.by_id[id as usize] {
                Some(l) => l,
                slot => {
                    // A token type's fields are the same in every token of the type.
                    let mut probe = Probe(Vec::new());
                    t.visit(&mut probe);
                    self.order.push(id);
                    slot.insert(Box::new(Local::of(&probe.0, false)))
                }
            };
            local.token(file, rec.offset(), i, time, &t);
        }
    }

    /// Each type's rows appended since the last call: its name, schema, columns and days.
    pub(crate) fn take(&mut self) -> Vec<TypePart> {
        let mut out = Vec::new();
        for &id in &self.order {
            let Some(l) = &mut self.by_id[id as usize] else {
                continue;
            };
            if l.rows == 0 {
                continue;
            }
            let schema = l.schema();
            let (columns, days) = l.take();
            let name = bsm_format::TokenId(id).display_name().into_owned();
            out.push(TypePart {
                schema: crate::schema::with_token_type(&schema, &name),
                columns,
                days,
            });
        }
        out
    }
}

/// One token type's rows of a part.
pub(crate) struct TypePart {
    pub(crate) schema: arrow_schema::SchemaRef,
    pub(crate) columns: Vec<ArrayRef>,
    pub(crate) days: arrow_array::Date32Array,
}
