//! Compact binary forms of a record's hashes, for the observation a cluster run ships between
//! tasks: a sorted set of hashes (a gram sample, a document's rare facts) as Golomb-Rice codes
//! of the gaps between neighbours (about 21 bits a hash of a long text's gram sample where a
//! varint of the hash takes 32 to 40; 36.5 bits a 40-bit fact where 5 bytes take 40); a few
//! sorted or unordered 32-bit hashes in 4 bytes each (a varint takes one more, since hashes use
//! every bit); the 128-bit exact key as 16 bytes (19). Only the
//! encoding changes; the values in memory are the same. Each is a serde `with` module.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Appends `value` as an unsigned LEB128 varint.
fn push_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Reads an unsigned LEB128 varint from the front of `bytes`; `None` if it is cut short or
/// does not fit 64 bits.
fn take_varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = bytes.split_first()?;
        *bytes = rest;
        let bits = u64::from(byte & 0x7F);
        if shift == 63 && bits > 1 {
            return None;
        }
        value |= bits << shift;
        if byte < 0x80 {
            return Some(value);
        }
    }
    None
}

/// Reads one byte string, whatever the format hands over.
struct ByteString;

impl<'de> Visitor<'de> for ByteString {
    type Value = Vec<u8>;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a byte string")
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Vec<u8>, E> {
        Ok(bytes.to_vec())
    }

    fn visit_byte_buf<E: de::Error>(self, bytes: Vec<u8>) -> Result<Vec<u8>, E> {
        Ok(bytes)
    }
}

fn byte_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
    deserializer.deserialize_bytes(ByteString)
}

/// Bits written least significant first.
#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    pending: u64,
    filled: u32,
}

impl BitWriter {
    /// Appends the low `width` (at most 56) bits of `value`.
    fn push(&mut self, value: u64, width: u32) {
        self.pending |= value << self.filled;
        self.filled += width;
        while self.filled >= 8 {
            self.out.push(self.pending as u8);
            self.pending >>= 8;
            self.filled -= 8;
        }
    }

    /// Appends `count` in unary: that many ones, then a zero.
    fn unary(&mut self, mut count: u64) {
        while count >= 32 {
            self.push(u64::from(u32::MAX), 32);
            count -= 32;
        }
        self.push((1 << count) - 1, count as u32 + 1);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.filled > 0 {
            self.out.push(self.pending as u8);
        }
        self.out
    }
}

/// Reads what a [`BitWriter`] wrote.
struct BitReader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl BitReader<'_> {
    fn bit(&mut self) -> Option<u64> {
        let byte = self.bytes.get(self.at / 8)?;
        let bit = (byte >> (self.at % 8)) & 1;
        self.at += 1;
        Some(u64::from(bit))
    }

    fn bits(&mut self, width: u32) -> Option<u64> {
        (0..width).try_fold(0, |value, shift| Some(value | self.bit()? << shift))
    }

    /// A unary count, `None` past `limit` or the end.
    fn unary(&mut self, limit: u64) -> Option<u64> {
        let mut count = 0;
        while self.bit()? == 1 {
            count += 1;
            if count > limit {
                return None;
            }
        }
        Some(count)
    }
}

/// Sorted, duplicate-free values up to `max` as Golomb-Rice codes of the gaps between
/// neighbours (the first value's gap is from 0): the count (a varint), the Rice parameter `k`
/// (one byte: the floor of log2 of the mean gap), then each gap's quotient `gap >> k` in unary
/// and its `k` low bits. Values spread evenly up to U, n of them, take about
/// n·(log2(U/n) + 1.5) bits.
fn rice_serialize<S: Serializer>(
    values: &[u64],
    max: u64,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let max_k = 63 - max.leading_zeros();
    let k = match values.last() {
        Some(&last) => {
            let mean = (last + 1) / values.len() as u64;
            (63 - mean.max(1).leading_zeros()).min(max_k)
        }
        None => 0,
    };
    let mut bits = BitWriter::default();
    push_varint(&mut bits.out, values.len() as u64);
    bits.out.push(k as u8);
    let mut previous = 0;
    for &value in values {
        let gap = value.wrapping_sub(previous);
        previous = value;
        bits.unary(gap >> k);
        bits.push(gap & ((1 << k) - 1), k);
    }
    serializer.serialize_bytes(&bits.finish())
}

/// What [`rice_serialize`] wrote; refuses values out of order, repeated or beyond `max`, and
/// bytes cut short or left over.
fn rice_deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
    max: u64,
) -> Result<Vec<u64>, D::Error> {
    let bytes = byte_string(deserializer)?;
    let mut rest = bytes.as_slice();
    let cut = || de::Error::custom("sorted hashes cut short or corrupt");
    let count = take_varint(&mut rest).ok_or_else(cut)?;
    let (&k, rest) = rest.split_first().ok_or_else(cut)?;
    let k = u32::from(k);
    // Every value takes at least one bit, which bounds what a corrupt count allocates.
    if k > 63 - max.leading_zeros() || count > 8 * rest.len() as u64 {
        return Err(cut());
    }
    let mut reader = BitReader { bytes: rest, at: 0 };
    let mut values = Vec::with_capacity(count as usize);
    let mut value = 0u64;
    for index in 0..count {
        let quotient = reader.unary(max >> k).ok_or_else(cut)?;
        let gap = quotient << k | reader.bits(k).ok_or_else(cut)?;
        value += gap;
        if (index > 0 && gap == 0) || value > max {
            return Err(de::Error::custom("hashes out of order or out of range"));
        }
        values.push(value);
    }
    if reader.at.div_ceil(8) != rest.len() {
        return Err(de::Error::custom("bytes after sorted hashes"));
    }
    Ok(values)
}

/// A sorted, duplicate-free `Vec<u32>` of hashes (a gram sample) as Golomb-Rice codes of the
/// gaps between neighbours ([`rice_serialize`]): 21 bits a hash for a long text's sample (one
/// gram in 32), where varints of the gaps take 24 to 25, with the same values.
pub mod sorted_u32_rice {
    use super::*;

    /// See the module.
    pub fn serialize<S: Serializer>(values: &[u32], serializer: S) -> Result<S::Ok, S::Error> {
        let wide: Vec<u64> = values.iter().map(|&v| u64::from(v)).collect();
        rice_serialize(&wide, u64::from(u32::MAX), serializer)
    }

    /// See the module; refuses values out of order, repeated or beyond `u32`, and bytes cut
    /// short or left over.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u32>, D::Error> {
        Ok(rice_deserialize(deserializer, u64::from(u32::MAX))?
            .into_iter()
            .map(|v| v as u32)
            .collect())
    }
}

/// A sorted, duplicate-free `Vec<u64>` of values below 2⁴⁰ (rare-fact hashes) as Golomb-Rice
/// codes of the gaps ([`rice_serialize`]): about 36.5 bits a hash for a document's few dozen
/// facts, where 5 fixed bytes take 40, with the same values.
pub mod sorted_u40_rice {
    use super::*;

    const MAX: u64 = (1 << 40) - 1;

    /// See the module; a value of 2⁴⁰ or more is refused rather than cut.
    pub fn serialize<S: Serializer>(values: &[u64], serializer: S) -> Result<S::Ok, S::Error> {
        if values.iter().any(|&v| v > MAX) {
            return Err(serde::ser::Error::custom("a 40-bit hash of 2^40 or more"));
        }
        rice_serialize(values, MAX, serializer)
    }

    /// See the module; refuses values out of order, repeated or of 2⁴⁰ or more, and bytes cut
    /// short or left over.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u64>, D::Error> {
        rice_deserialize(deserializer, MAX)
    }
}

/// `values` as one byte string of their low `width` bytes each, little-endian.
fn serialize_fixed<S: Serializer>(
    values: impl Iterator<Item = u64>,
    width: usize,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let bytes: Vec<u8> = values
        .flat_map(|value| value.to_le_bytes().into_iter().take(width))
        .collect();
    serializer.serialize_bytes(&bytes)
}

/// The values of a byte string of `width`-byte little-endian values; refuses a length that is
/// not a multiple of `width` and, when `sorted`, values out of order or repeated.
fn deserialize_fixed<'de, D: Deserializer<'de>>(
    deserializer: D,
    width: usize,
    sorted: bool,
) -> Result<Vec<u64>, D::Error> {
    let bytes = byte_string(deserializer)?;
    if bytes.len() % width != 0 {
        return Err(de::Error::custom(format!(
            "{}-byte hashes cut short",
            width
        )));
    }
    let values: Vec<u64> = bytes
        .chunks_exact(width)
        .map(|chunk| {
            let mut full = [0u8; 8];
            full[..width].copy_from_slice(chunk);
            u64::from_le_bytes(full)
        })
        .collect();
    if sorted && values.windows(2).any(|pair| pair[0] >= pair[1]) {
        return Err(de::Error::custom("hashes out of order"));
    }
    Ok(values)
}

/// A `Vec<u32>` of random values as one byte string of 4-byte little-endian values.
pub mod u32_fixed {
    use super::*;

    /// See the module.
    pub fn serialize<S: Serializer>(values: &[u32], serializer: S) -> Result<S::Ok, S::Error> {
        serialize_fixed(values.iter().map(|&v| u64::from(v)), 4, serializer)
    }

    /// See the module; refuses a length that is not a multiple of 4.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u32>, D::Error> {
        Ok(deserialize_fixed(deserializer, 4, false)?
            .into_iter()
            .map(|v| v as u32)
            .collect())
    }
}

/// A sorted, duplicate-free `Vec<u32>` of random values as 4-byte little-endian values (a
/// varint of a gap between a dozen random 32-bit hashes takes 5).
pub mod sorted_u32_fixed {
    use super::*;

    /// See the module.
    pub fn serialize<S: Serializer>(values: &[u32], serializer: S) -> Result<S::Ok, S::Error> {
        serialize_fixed(values.iter().map(|&v| u64::from(v)), 4, serializer)
    }

    /// See the module; refuses a cut length and values out of order.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u32>, D::Error> {
        Ok(deserialize_fixed(deserializer, 4, true)?
            .into_iter()
            .map(|v| v as u32)
            .collect())
    }
}

/// A `u128` as 16 little-endian bytes.
pub mod u128_fixed {
    use super::*;

    /// See the module.
    pub fn serialize<S: Serializer>(value: &u128, serializer: S) -> Result<S::Ok, S::Error> {
        value.to_le_bytes().serialize(serializer)
    }

    /// See the module.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u128, D::Error> {
        <[u8; 16]>::deserialize(deserializer).map(u128::from_le_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Packed {
        #[serde(with = "sorted_u32_rice")]
        small: Vec<u32>,
        #[serde(with = "sorted_u40_rice")]
        large: Vec<u64>,
        #[serde(with = "u32_fixed")]
        keys: Vec<u32>,
        #[serde(with = "u128_fixed")]
        key: u128,
    }

    #[test]
    fn values_come_back_as_they_were_in_fewer_bytes() {
        let small: Vec<u32> = (0..400u32).map(|i| i * 670_000 + i % 7).collect();
        let large: Vec<u64> = vec![0, 1, 1 << 39, (1 << 40) - 2, (1 << 40) - 1];
        let keys: Vec<u32> = vec![u32::MAX, 0, 7];
        let packed = Packed {
            small: small.clone(),
            large: large.clone(),
            keys: keys.clone(),
            key: u128::MAX - 5,
        };
        let bytes = postcard::to_allocvec(&packed).unwrap();
        assert_eq!(postcard::from_bytes::<Packed>(&bytes).unwrap(), packed);
        // The gaps (about 670,000, k = 19) take 21 bits (varints take 24), the first (0) 20,
        // after the count (2 bytes) and k (1); the 40-bit hashes (k = 37, the floor of log2 of
        // 2⁴⁰/5) 37 bits each and their quotients 0, 0, 3, 3 and 0 in unary, after the count
        // and k (1 byte each); the keys 4 (up to 5); the key 16 (19); lengths 2, 1 and 1.
        let sample = 2 + 1 + (20 + 399 * 21usize).div_ceil(8);
        let facts = 1 + 1 + (5 * 37 + 1 + 1 + 4 + 4 + 1usize).div_ceil(8);
        assert_eq!(bytes.len(), 2 + sample + 1 + facts + 1 + 4 * 3 + 16);
        let plain = postcard::to_allocvec(&(small, large, keys, u128::MAX - 5)).unwrap();
        assert!(
            bytes.len() < plain.len() * 4 / 5,
            "{} vs {}",
            bytes.len(),
            plain.len()
        );
        let edges = Packed {
            small: vec![0, u32::MAX],
            large: Vec::new(),
            keys: Vec::new(),
            key: 0,
        };
        let bytes = postcard::to_allocvec(&edges).unwrap();
        assert_eq!(postcard::from_bytes::<Packed>(&bytes).unwrap(), edges);
        let too_wide = Packed {
            large: vec![1 << 40],
            ..edges
        };
        assert!(postcard::to_allocvec(&too_wide).is_err(), "a 41-bit value");
    }

    #[test]
    fn disordered_or_cut_data_is_refused() {
        let encode = |small: &[u8], large: &[u8], keys: &[u8]| {
            let mut bytes = vec![small.len() as u8];
            bytes.extend_from_slice(small);
            bytes.push(large.len() as u8);
            bytes.extend_from_slice(large);
            bytes.push(keys.len() as u8);
            bytes.extend_from_slice(keys);
            bytes.extend_from_slice(&[0; 16]);
            postcard::from_bytes::<Packed>(&bytes)
        };
        // Two values, k = 0: gaps 5 (unary 111110) and 2 (110), least significant bit first.
        let sample = [2, 0, 0b1101_1111, 0];
        assert_eq!(
            encode(&sample, &[0, 0], &[]).unwrap().small,
            [5, 7],
            "a sample written by hand"
        );
        assert!(
            encode(&[2, 0, 0b0001_1111], &[0, 0], &[]).is_err(),
            "a repeated hash"
        );
        assert!(encode(&sample[..3], &[0, 0], &[]).is_err(), "a cut sample");
        assert!(
            encode(&[2, 0, 0b1101_1111, 0, 0], &[0, 0], &[]).is_err(),
            "a byte left over"
        );
        assert!(encode(&[0x80], &[0, 0], &[]).is_err(), "a cut count");
        assert!(encode(&[1, 32, 0], &[0, 0], &[]).is_err(), "k beyond 31");
        // One value, k = 31: quotient 2 (110), then 31 zero bits: 2^32.
        assert!(
            encode(&[1, 31, 3, 0, 0, 0, 0], &[0, 0], &[]).is_err(),
            "beyond u32"
        );
        let round = |values: Vec<u32>| {
            let packed = Packed {
                small: values,
                large: Vec::new(),
                keys: Vec::new(),
                key: 0,
            };
            let bytes = postcard::to_allocvec(&packed).unwrap();
            assert_eq!(postcard::from_bytes::<Packed>(&bytes).unwrap(), packed);
        };
        round(vec![u32::MAX]);
        round(vec![0, 1, 2, 3, u32::MAX]);
        round((0..96).map(|i| i * 44_739_242).collect());
        assert!(encode(&[0, 0], &[2, 0], &[]).is_err(), "cut 40-bit hashes");
        assert!(
            encode(&[0, 0], &[1, 39, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x03], &[]).is_err(),
            "a 40-bit hash of 2^40 or more"
        );
        assert!(
            encode(&[0, 0], &[0, 0], &[1, 2, 3]).is_err(),
            "a cut 32-bit key"
        );
        assert!(
            encode(&[0, 0], &[0, 0], &[2, 0, 0, 0, 1, 0, 0, 0]).is_ok(),
            "keys in any order"
        );
        // Two 40-bit hashes, k = 0: gaps 0 and 0, a repeated hash.
        assert!(
            encode(&[0, 0], &[2, 0, 0], &[]).is_err(),
            "a repeated 40-bit hash"
        );
        assert_eq!(
            encode(&[0, 0], &[2, 0, 0b0000_0101], &[]).unwrap().large,
            [1, 2],
            "40-bit hashes written by hand"
        );
    }
}
