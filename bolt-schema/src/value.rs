//! Values produced by parameter coercion, held without the GIL until the handler is called.

/// A calendar date, already validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

/// A wall-clock time; `offset` is the UTC offset in seconds when the text carried one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time {
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub microsecond: u32,
    pub offset: Option<i32>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    /// An integer outside i64, kept as its decimal digits.
    BigInt(String),
    Float(f64),
    Str(String),
    Uuid(u128),
    Date(Date),
    Time(Time),
    DateTime(Date, Time),
    /// A string Python's `decimal.Decimal` accepts.
    Decimal(String),
    List(Vec<Value>),
}
