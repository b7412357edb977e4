//! The JSON cursor of the fast body path: strict RFC 8259 scanning of one body into a flat
//! tape of typed tokens, with the primitives both the plan-driven scanner (`fast`) and the
//! per-schema scanners generated into compiled crates are written with. Every primitive
//! returns None for input it does not take (the body then goes to the full path).

use bytes::Bytes;

/// Powers of ten that are exact doubles.
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Deeper nesting is left to the full path.
const MAX_DEPTH: usize = 64;

/// One decoded value; containers are followed by their items.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Token {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string without escapes: a byte range of the body.
    Str(u32, u32),
    /// A string with escapes: an index into `Tape::strings`.
    Unescaped(u32),
    /// A list/tuple/set of `n` items.
    Array(u32),
    /// A dict of `n` key (string token) + value pairs.
    Map(u32),
    /// A Struct with `n` fields present, each a value, preceded by a `Field` when it is not
    /// the field declared after the previous one (the first: field 0).
    Struct(u32),
    Field(u32),
}

/// A scanned body: its tokens, the unescaped copies of its escaped strings, and the body
/// itself. Only a `Cursor` writes tapes, and every `Str` range it records was checked to be
/// UTF-8 in exactly these bytes, so `text_at` can hand out `&str`s without checking again.
#[derive(Debug, Default)]
pub struct Tape {
    pub(crate) tokens: Vec<Token>,
    pub(crate) strings: Vec<String>,
    /// The body the tape indexes: a reference-counted clone, immutable while the tape lives.
    body: Bytes,
}

impl Tape {
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The token at `index`.
    #[inline]
    pub fn token(&self, index: usize) -> Option<Token> {
        self.tokens.get(index).copied()
    }

    /// The text of the string token at `index` (None for other tokens).
    #[inline]
    pub fn text_at(&self, index: usize) -> Option<&str> {
        match *self.tokens.get(index)? {
            Token::Str(start, end) => {
                let bytes = self.body.get(start as usize..end as usize)?;
                // SAFETY: this token was pushed by the Cursor that scanned `self.body` (the
                // fields are crate-private and only `Cursor::finish` makes a non-empty tape), after
                // `Cursor::string` checked the range for UTF-8 (non-ASCII runs with
                // from_utf8, the rest being ASCII); `Bytes` cannot change under us.
                Some(unsafe { std::str::from_utf8_unchecked(bytes) })
            }
            Token::Unescaped(i) => self.strings.get(i as usize).map(String::as_str),
            _ => None,
        }
    }
}

/// The high bit of each byte of `word` that is `"`, `\\`, below 0x20 or above 0x7f (the bytes
/// that end a plain ASCII run of a JSON string). Borrows can flag bytes above a flagged one,
/// so only the lowest flag is exact, which is the one the caller uses.
fn special_bytes(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    let high = word & HIGHS;
    zero_byte(word ^ (ONES * u64::from(b'"')))
        | zero_byte(word ^ (ONES * u64::from(b'\\')))
        | below_space
        | high
}

/// Number and escape digits, which the caller has matched as ASCII (else "", which no parse
/// accepts).
fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// The end of the decimal digits of `bytes` from `at`, each accumulated into `mantissa`
/// (wrapping: the caller checks the count).
#[inline(always)]
fn digits(bytes: &[u8], mut at: usize, mantissa: &mut u64) -> usize {
    while let Some(&byte) = bytes.get(at) {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        *mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(digit));
        at += 1;
    }
    at
}

/// `Cursor::string`'s marker for an escaped string.
const ESCAPED: u32 = u32::MAX;

fn string_token((start, end): (u32, u32)) -> Token {
    if start == ESCAPED {
        Token::Unescaped(end)
    } else {
        Token::Str(start, end)
    }
}

/// Key equality without a `memcmp` call for the usual short keys (overlapping loads).
#[inline]
pub fn same_key(a: &[u8], b: &[u8]) -> bool {
    let len = a.len();
    if len != b.len() {
        return false;
    }
    let word =
        |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().unwrap_or_default());
    let half =
        |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().unwrap_or_default());
    match len {
        0 => true,
        1..=3 => a[0] == b[0] && a[len / 2] == b[len / 2] && a[len - 1] == b[len - 1],
        4..=7 => half(a, 0) == half(b, 0) && half(a, len - 4) == half(b, len - 4),
        8..=16 => word(a, 0) == word(b, 0) && word(a, len - 8) == word(b, len - 8),
        _ => a == b,
    }
}

pub struct Cursor<'a> {
    source: &'a Bytes,
    bytes: &'a [u8],
    at: usize,
    depth: usize,
    pub(crate) tape: Tape,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `body`. Strings are checked for UTF-8 as they are read
    /// (everything else must be ASCII), so the strings on the tape are valid `str`s.
    pub fn new(body: &'a Bytes) -> Option<Self> {
        Some(Self {
            source: body,
            bytes: body,
            at: 0,
            depth: 0,
            tape: Tape {
                tokens: Vec::with_capacity(body.len() / 4),
                strings: Vec::new(),
                body: Bytes::new(),
            },
        })
    }

    /// The tape, if nothing but whitespace follows the value.
    pub fn finish(mut self) -> Option<Tape> {
        self.skip_space();
        if self.at != self.bytes.len() {
            return None;
        }
        self.tape.body = self.source.clone();
        Some(self.tape)
    }

    #[inline]
    fn skip_space(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// The next byte after whitespace.
    #[inline]
    pub fn peek(&mut self) -> Option<u8> {
        let byte = *self.bytes.get(self.at)?;
        if byte > b' ' {
            return Some(byte);
        }
        self.skip_space();
        self.bytes.get(self.at).copied()
    }

    /// After an item: a `,` or the `close` bracket, consumed and returned.
    #[inline]
    fn next_separator(&mut self, close: u8) -> Option<u8> {
        let byte = self.peek()?;
        if byte == b',' || byte == close {
            self.at += 1;
            return Some(byte);
        }
        None
    }

    #[inline]
    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.bytes[self.at..]
            .starts_with(word)
            .then(|| self.at += word.len())
    }

    #[inline]
    fn push(&mut self, token: Token) -> Option<()> {
        self.tape.tokens.push(token);
        Some(())
    }

    #[inline]
    pub fn int_value(&mut self) -> Option<()> {
        self.peek()?;
        self.number(false)
    }

    #[inline]
    pub fn float_value(&mut self) -> Option<()> {
        self.peek()?;
        self.number(true)
    }

    #[inline]
    pub fn str_value(&mut self) -> Option<()> {
        if self.peek()? != b'"' {
            return None;
        }
        let span = self.string()?;
        self.push(string_token(span))
    }

    /// A string that `ok` accepts (dates, times, UUIDs: checked here, built from the tape).
    pub fn string_where(&mut self, ok: impl Fn(&str) -> bool) -> Option<()> {
        self.str_value()?;
        let token = *self.tape.tokens.last()?;
        ok(self.token_text(token)?).then_some(())
    }

    /// A decimal: a string Python's `Decimal` takes, or a JSON number kept as its text (a
    /// `Str` token of the number's bytes).
    pub fn decimal_value(&mut self) -> Option<()> {
        if self.peek()? == b'"' {
            return self.string_where(crate::coerce::is_python_decimal);
        }
        let start = self.at;
        self.number(true)?;
        self.tape.tokens.pop();
        // msgspec reads an integer token as an int first: `-0` is Decimal('0'); and exponents
        // past Decimal's range are msgspec's to reject.
        let text = &self.bytes[start..self.at];
        if text == b"-0" || !crate::coerce::is_python_decimal(ascii(text)) {
            return None;
        }
        let (start, end) = (u32::try_from(start).ok()?, u32::try_from(self.at).ok()?);
        self.push(Token::Str(start, end))
    }

    /// One of the literal strings or integers.
    pub fn literal_value<S: AsRef<str>>(&mut self, strings: &[S], ints: &[i64]) -> Option<()> {
        if self.peek()? == b'"' {
            return self.string_where(|t| strings.iter().any(|s| s.as_ref() == t));
        }
        self.int_value()?;
        match self.tape.tokens.last()? {
            Token::Int(n) if ints.contains(n) => Some(()),
            _ => None,
        }
    }

    /// The text of a string token of this tape.
    pub fn token_text(&self, token: Token) -> Option<&str> {
        match token {
            // Checked UTF-8 when read (`string`).
            Token::Str(start, end) => {
                std::str::from_utf8(&self.bytes[start as usize..end as usize]).ok()
            }
            Token::Unescaped(index) => self.tape.strings.get(index as usize).map(String::as_str),
            _ => None,
        }
    }

    #[inline]
    pub fn bool_value(&mut self) -> Option<()> {
        let truth = self.peek()? == b't';
        self.literal(if truth { b"true" } else { b"false" })?;
        self.push(Token::Bool(truth))
    }

    /// `null`, or a value of the inner type.
    pub fn nullable(&mut self, inner: impl FnOnce(&mut Self) -> Option<()>) -> Option<()> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return self.push(Token::Null);
        }
        inner(self)
    }

    #[inline]
    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// `[...]` with each item read by `item`, counted into the token pushed before them.
    pub fn array(&mut self, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        if self.peek()? != b'[' {
            return None;
        }
        self.enter()?;
        self.at += 1;
        let header = self.tape.tokens.len();
        self.tape.tokens.push(Token::Array(0));
        let mut count = 0u32;
        if !self.eat(b']') {
            loop {
                item(self)?;
                count += 1;
                match self.next_separator(b']')? {
                    b',' => {}
                    _ => break,
                }
            }
        }
        self.tape.tokens[header] = Token::Array(count);
        self.depth -= 1;
        Some(())
    }

    /// `{...}`: `member` reads each member (key, colon and value); returns their count.
    fn member_list(&mut self, mut member: impl FnMut(&mut Self) -> Option<()>) -> Option<u32> {
        if self.peek()? != b'{' {
            return None;
        }
        self.enter()?;
        self.at += 1;
        let mut count = 0u32;
        if !self.eat(b'}') {
            loop {
                member(self)?;
                count += 1;
                match self.next_separator(b'}')? {
                    b',' => {}
                    _ => break,
                }
            }
        }
        self.depth -= 1;
        Some(count)
    }

    /// A member's key and its colon: the key's `string` span.
    fn key(&mut self) -> Option<(u32, u32)> {
        if self.peek()? != b'"' {
            return None;
        }
        let key = self.string()?;
        self.eat(b':').then_some(key)
    }

    /// `{...}` members: `member` gets each key's `string` span after its colon.
    fn member_spans(
        &mut self,
        mut member: impl FnMut(&mut Self, (u32, u32)) -> Option<()>,
    ) -> Option<u32> {
        self.member_list(|this| {
            let key = this.key()?;
            member(this, key)
        })
    }

    /// A Struct: its header token, then each field's value (preceded by a `Field` token with its
    /// index when it is not the field after the previous one), all of the `required`
    /// fields present and none repeated (msgspec keeps the last; the full path decides).
    /// `keys[i]` is field `i`'s `"name":` as written by encoders; the next field in
    /// declaration order is tried first with one short comparison, which is how most bodies are
    /// laid out. Any other key goes to `resolve` (escaped keys are rare in Struct bodies and left
    /// to the full path), which names its field, or reads a member that is not one (a tag, an
    /// ignored unknown field) and returns `Some(None)`. `read` reads field `i`'s value.
    pub fn structure<K: AsRef<[u8]>>(
        &mut self,
        keys: &[K],
        required: u64,
        mut resolve: impl FnMut(&mut Self, &'a [u8]) -> Option<Option<usize>>,
        mut read: impl FnMut(&mut Self, usize) -> Option<()>,
    ) -> Option<()> {
        let bytes = self.bytes;
        let header = self.tape.tokens.len();
        self.tape.tokens.push(Token::Struct(0));
        // Which fields were given (Structs over 64 fields are not covered).
        let (mut expected, mut seen, mut present) = (0usize, 0u64, 0u32);
        self.member_list(|this| {
            this.peek()?;
            let predicted = keys.get(expected).map(AsRef::as_ref).filter(|key| {
                bytes
                    .get(this.at..this.at + key.len())
                    .is_some_and(|text| same_key(text, key))
            });
            let field = match predicted {
                Some(key) => {
                    this.at += key.len();
                    expected
                }
                None => {
                    let (start, end) = this.key()?;
                    if start == ESCAPED {
                        return None;
                    }
                    match resolve(this, &bytes[start as usize..end as usize])? {
                        Some(field) => field,
                        None => return Some(()),
                    }
                }
            };
            if seen & (1 << field) != 0 {
                return None;
            }
            seen |= 1 << field;
            present += 1;
            // Only a member out of declaration order is marked: the builder takes the next
            // field after the previous one unless a `Field` token says otherwise.
            if field != expected {
                this.tape
                    .tokens
                    .push(Token::Field(u32::try_from(field).ok()?));
            }
            expected = field + 1;
            read(this, field)
        })?;
        if seen & required != required {
            return None;
        }
        self.tape.tokens[header] = Token::Struct(present);
        Some(())
    }

    /// A `dict[str, V]` with each value read by `value`.
    pub fn map(&mut self, mut value: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        let header = self.tape.tokens.len();
        self.tape.tokens.push(Token::Map(0));
        let count = self.member_spans(|this, key| {
            this.tape.tokens.push(string_token(key));
            value(this)
        })?;
        self.tape.tokens[header] = Token::Map(count);
        Some(())
    }

    /// A tag member's value: the Struct's own string tag.
    pub fn tag_str(&mut self, expected: &str) -> Option<()> {
        if self.peek()? != b'"' {
            return None;
        }
        match self.string()? {
            (ESCAPED, _) => None,
            (s, e) => (&self.bytes[s as usize..e as usize] == expected.as_bytes()).then_some(()),
        }
    }

    /// A tag member's value: the Struct's own integer tag.
    pub fn tag_int(&mut self, expected: i64) -> Option<()> {
        self.peek()?;
        self.number(false)?;
        match self.tape.tokens.pop()? {
            Token::Int(n) if n == expected => Some(()),
            _ => None,
        }
    }

    /// A number token as `Int` (integers within i64) or `Float` (for float types: any finite
    /// number). msgspec's int type takes no fractions or exponents.
    /// Pushes the number token. Inlined: the usual short number (at most 15 digits, no
    /// exponent) is read here, anything else by `general_number`, which gives the same tokens.
    #[inline(always)]
    fn number(&mut self, float: bool) -> Option<()> {
        const MOST_DIGITS: usize = 15;
        let b = self.bytes;
        let negative = b.get(self.at) == Some(&b'-');
        let first = self.at + usize::from(negative);
        let mut mantissa: u64 = 0;
        let mut i = digits(b, first, &mut mantissa);
        let whole_digits = i - first;
        // Empty, too long or with a leading zero: the general reader decides.
        if whole_digits == 0 || whole_digits > MOST_DIGITS || (whole_digits > 1 && b[first] == b'0')
        {
            return self.general_number(float);
        }
        let fraction_digits = if b.get(i) == Some(&b'.') && float {
            let fraction = i + 1;
            i = digits(b, fraction, &mut mantissa);
            if i == fraction || whole_digits + (i - fraction) > MOST_DIGITS {
                return self.general_number(float);
            }
            i - fraction
        } else {
            0
        };
        if matches!(b.get(i), Some(b'.' | b'e' | b'E')) {
            return self.general_number(float);
        }
        self.at = i;
        if !float {
            let value = mantissa as i64;
            return self.push(Token::Int(if negative { -value } else { value }));
        }
        // Exact: at most 15 digits and an exact power of ten (Clinger's fast path, as in
        // `general_number`). An integer token is an int converted to float: `-0` is 0.0.
        let value = mantissa as f64 / POWERS_OF_TEN[fraction_digits];
        let integer_zero = fraction_digits == 0 && value == 0.0;
        let value = if negative && !integer_zero {
            -value
        } else {
            value
        };
        self.push(Token::Float(value))
    }

    /// `number` for any JSON number.
    #[inline(never)]
    fn general_number(&mut self, float: bool) -> Option<()> {
        let start = self.at;
        let b = self.bytes;
        let mut i = start;
        let negative = b.get(i) == Some(&b'-');
        if negative {
            i += 1;
        }
        // Up to 19 digits accumulate exactly; longer numbers take the general parser.
        let mut mantissa: u64 = 0;
        let mut digits = 0u32;
        match b.get(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => {
                while let Some(d @ b'0'..=b'9') = b.get(i) {
                    mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
                    digits += 1;
                    i += 1;
                }
            }
            _ => return None,
        }
        let integer_end = i;
        let mut fraction_digits = 0i32;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let first = i;
            while let Some(d @ b'0'..=b'9') = b.get(i) {
                mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
                i += 1;
            }
            if i == first {
                return None;
            }
            fraction_digits = (i - first) as i32;
            digits += fraction_digits as u32;
        }
        let mut exponent_given = false;
        if matches!(b.get(i), Some(b'e' | b'E')) {
            exponent_given = true;
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let first = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == first {
                return None;
            }
        }
        self.at = i;
        if !float {
            if i != integer_end {
                return None;
            }
            if digits <= 18 {
                let value = mantissa as i64;
                return self.push(Token::Int(if negative { -value } else { value }));
            }
            let value = ascii(&self.bytes[start..i]).parse().ok()?;
            return self.push(Token::Int(value));
        }
        // Exact when the digits fit a double and the power of ten is exact (Clinger's fast
        // path); otherwise the correctly rounded general parser.
        let value = if !exponent_given && digits <= 15 && fraction_digits <= 22 {
            let value = mantissa as f64 / POWERS_OF_TEN[fraction_digits as usize];
            if negative {
                -value
            } else {
                value
            }
        } else {
            ascii(&self.bytes[start..i]).parse().ok()?
        };
        // An integer token is an int converted to float: `-0` is 0.0, as msgspec gives.
        let value = if i == integer_end && value == 0.0 {
            0.0
        } else {
            value
        };
        if !value.is_finite() {
            return None;
        }
        self.push(Token::Float(value))
    }

    /// A string; the cursor is on its opening quote. Returns the byte range of a string
    /// without escapes, or `(ESCAPED, index)` of its unescaped copy in `Tape::strings`.
    /// (Plain integers, not a `Token`: a returned enum is stored and reloaded through memory,
    /// which stalled this hot path.) Inlined into the scanners; strings with escapes continue
    /// out of line in `escaped_string`.
    #[inline(always)]
    fn string(&mut self) -> Option<(u32, u32)> {
        let bytes = self.bytes;
        let start = self.at + 1;
        let mut i = start;
        let mut non_ascii = false;
        loop {
            // Jump to the next quote, backslash, control or non-ASCII byte, 8 bytes a step.
            while let Some(chunk) = bytes.get(i..i + 8) {
                let mask = special_bytes(u64::from_le_bytes(chunk.try_into().ok()?));
                if mask != 0 {
                    i += (mask.trailing_zeros() / 8) as usize;
                    break;
                }
                i += 8;
            }
            match *bytes.get(i)? {
                b'"' => {
                    if non_ascii {
                        std::str::from_utf8(&bytes[start..i]).ok()?;
                    }
                    self.at = i + 1;
                    return Some((u32::try_from(start).ok()?, u32::try_from(i).ok()?));
                }
                b'\\' => return self.escaped_string(start, i),
                0x00..=0x1f => return None,
                byte => {
                    non_ascii |= byte >= 0x80;
                    i += 1;
                }
            }
        }
    }

    /// The rest of `string` from its first backslash at `i` (the string's text starts at
    /// `start`): the unescaped copy goes to `Tape::strings`.
    #[cold]
    #[inline(never)]
    fn escaped_string(&mut self, start: usize, mut i: usize) -> Option<(u32, u32)> {
        let mut out = String::from(std::str::from_utf8(&self.bytes[start..i]).ok()?);
        loop {
            match *self.bytes.get(i)? {
                b'"' => break,
                b'\\' => {
                    let escaped = match *self.bytes.get(i + 1)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hex = |at: usize| {
                                let digits = self.bytes.get(at..at + 4)?;
                                // from_str_radix alone would take a sign (`\u+041`).
                                if !digits.iter().all(u8::is_ascii_hexdigit) {
                                    return None;
                                }
                                u32::from_str_radix(ascii(digits), 16).ok()
                            };
                            let code = hex(i + 2)?;
                            i += 4;
                            if (0xD800..0xDC00).contains(&code)
                                && self.bytes.get(i + 2..i + 4) == Some(&b"\\u"[..])
                            {
                                // A surrogate pair; lone surrogates are left to the full path.
                                let low = hex(i + 4).filter(|c| (0xDC00..0xE000).contains(c))?;
                                i += 6;
                                char::from_u32(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))?
                            } else {
                                char::from_u32(code)?
                            }
                        }
                        _ => return None,
                    };
                    out.push(escaped);
                    i += 2;
                }
                0x00..=0x1f => return None,
                _ => {
                    let run = i;
                    while !matches!(self.bytes.get(i), None | Some(b'"' | b'\\' | 0x00..=0x1f)) {
                        i += 1;
                    }
                    out.push_str(std::str::from_utf8(&self.bytes[run..i]).ok()?);
                }
            }
        }
        self.at = i + 1;
        self.tape.strings.push(out);
        Some((ESCAPED, u32::try_from(self.tape.strings.len() - 1).ok()?))
    }

    /// Any valid JSON value, checked and dropped (an ignored unknown field).
    pub fn skip(&mut self) -> Option<()> {
        let strings = self.tape.strings.len();
        let done = match self.peek()? {
            b'"' => self.string().map(drop),
            b'n' => self.literal(b"null"),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'[' => {
                self.enter()?;
                self.at += 1;
                let mut done = Some(());
                if !self.eat(b']') {
                    loop {
                        self.skip()?;
                        if self.eat(b']') {
                            break;
                        }
                        if !self.eat(b',') {
                            done = None;
                            break;
                        }
                    }
                }
                self.depth -= 1;
                done
            }
            b'{' => self.member_spans(|this, _| this.skip()).map(drop),
            _ => self
                .number(true)
                .and_then(|()| self.tape.tokens.pop())
                .map(drop),
        };
        self.tape.strings.truncate(strings);
        done
    }
}

#[cfg(test)]
mod tests {
    use super::special_bytes;
    use super::Cursor;
    use bytes::Bytes;

    /// What one number reader makes of `text`: its answer, where it stopped, its tokens.
    fn read_number(
        text: &str,
        float: bool,
        general: bool,
    ) -> (Option<()>, usize, Vec<super::Token>) {
        let body = Bytes::from(text.to_owned());
        let mut cursor = Cursor::new(&body).unwrap();
        let read = if general {
            cursor.general_number(float)
        } else {
            cursor.number(float)
        };
        (read, cursor.at, cursor.tape.tokens)
    }

    #[test]
    fn the_short_number_reader_agrees_with_the_general_one() {
        let mut texts: Vec<String> = [
            "0",
            "-0",
            "7",
            "-7",
            "00",
            "01",
            "-01",
            "0.0",
            "-0.0",
            "0.5",
            "-0.5",
            "49.25",
            "1.",
            "-",
            ".5",
            "1e5",
            "1E5",
            "1.5e-3",
            "1.5e",
            "123456789012345",
            "1234567890123456",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "12345678.1234567",
            "12345678.12345678",
            "0.000000000000001",
            "1.0000000000000002",
            "999999999999999.9",
            "x",
            "",
        ]
        .iter()
        .map(|t| t.to_string())
        .collect();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let whole = (state >> 40) % 10u64.pow((state % 17) as u32 + 1);
            let fraction = (state >> 8) % 100_000;
            let sign = if state & 1 == 1 { "-" } else { "" };
            texts.push(format!("{sign}{whole}"));
            texts.push(format!("{sign}{whole}.{fraction}"));
            texts.push(format!("{sign}{whole}.{fraction:05}"));
        }
        for text in &texts {
            for next in ["", ",", "]", "}", " ", "x", "e", "."] {
                let text = format!("{text}{next}");
                for float in [false, true] {
                    // Compared as text: `-0.0 == 0.0` would hide a sign.
                    assert_eq!(
                        format!("{:?}", read_number(&text, float, false)),
                        format!("{:?}", read_number(&text, float, true)),
                        "{text:?} as {}",
                        if float { "float" } else { "int" }
                    );
                }
            }
        }
    }

    #[test]
    fn special_bytes_are_found_in_every_position() {
        let plain = *b"abcdefgh";
        assert_eq!(special_bytes(u64::from_le_bytes(plain)), 0);
        assert_eq!(special_bytes(u64::from_le_bytes(*b"0~ !#[]}")), 0);
        let accented = special_bytes(u64::from_le_bytes(*b"a\xc3\xa9 ~!#["));
        assert_eq!(accented.trailing_zeros() / 8, 1);
        for special in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
            for at in 0..8 {
                let mut word = plain;
                word[at] = special;
                let first = special_bytes(u64::from_le_bytes(word)).trailing_zeros() / 8;
                assert_eq!(first as usize, at, "{special} at {at}");
                // After a byte that borrows, the lowest flag is still the first special byte.
                if at > 0 {
                    word[at - 1] = 0x00;
                    let first = special_bytes(u64::from_le_bytes(word)).trailing_zeros() / 8;
                    assert_eq!(first as usize, at - 1);
                }
            }
        }
    }
}
