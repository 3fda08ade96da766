//! Compact binary forms of a record's hashes, for the observation a cluster run ships between
//! tasks: a sorted set of 32-bit hashes as the varint-coded gaps between neighbours (about 3
//! bytes a hash where a varint of the hash takes 4 or 5), 64-bit hashes as 8 bytes each (a
//! varint takes 10: hashes use every bit), and the 128-bit exact key as 16 bytes (19). Only
//! the encoding changes; the values in memory are the same. Each is a serde `with` module.

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

/// A sorted, duplicate-free `Vec<u32>` as one byte string of varint gaps (the first value is
/// its gap from 0).
pub mod sorted_u32_gaps {
    use super::*;

    /// See the module.
    pub fn serialize<S: Serializer>(values: &[u32], serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = Vec::with_capacity(3 * values.len());
        let mut previous = 0;
        for &value in values {
            push_varint(&mut out, u64::from(value.wrapping_sub(previous)));
            previous = value;
        }
        serializer.serialize_bytes(&out)
    }

    /// See the module; refuses values out of order, repeated or beyond `u32`.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u32>, D::Error> {
        let bytes = byte_string(deserializer)?;
        let mut rest = bytes.as_slice();
        let mut values = Vec::with_capacity(bytes.len() / 3);
        let mut previous: Option<u32> = None;
        while !rest.is_empty() {
            let gap = take_varint(&mut rest)
                .ok_or_else(|| de::Error::custom("a hash gap is cut short or too long"))?;
            let value = u64::from(previous.unwrap_or(0)) + gap;
            if (previous.is_some() && gap == 0) || value > u64::from(u32::MAX) {
                return Err(de::Error::custom("hashes out of order or out of range"));
            }
            values.push(value as u32);
            previous = Some(value as u32);
        }
        Ok(values)
    }
}

/// A sorted, duplicate-free `Vec<u64>` as one byte string of 8-byte little-endian values.
pub mod sorted_u64_fixed {
    use super::*;

    /// See the module.
    pub fn serialize<S: Serializer>(values: &[u64], serializer: S) -> Result<S::Ok, S::Error> {
        let bytes: Vec<u8> = values
            .iter()
            .flat_map(|value| value.to_le_bytes())
            .collect();
        serializer.serialize_bytes(&bytes)
    }

    /// See the module; refuses a length that is not a multiple of 8 and values out of order.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u64>, D::Error> {
        let bytes = byte_string(deserializer)?;
        let (chunks, rest) = bytes.as_chunks::<8>();
        if !rest.is_empty() {
            return Err(de::Error::custom("64-bit hashes cut short"));
        }
        let values: Vec<u64> = chunks
            .iter()
            .map(|chunk| u64::from_le_bytes(*chunk))
            .collect();
        if values.windows(2).any(|pair| pair[0] >= pair[1]) {
            return Err(de::Error::custom("64-bit hashes out of order"));
        }
        Ok(values)
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
        #[serde(with = "sorted_u32_gaps")]
        small: Vec<u32>,
        #[serde(with = "sorted_u64_fixed")]
        large: Vec<u64>,
        #[serde(with = "u128_fixed")]
        key: u128,
    }

    #[test]
    fn values_come_back_as_they_were_in_fewer_bytes() {
        let small: Vec<u32> = (0..400u32).map(|i| i * 670_000 + i % 7).collect();
        let large: Vec<u64> = vec![0, 1, 1 << 40, u64::MAX - 1, u64::MAX];
        let packed = Packed {
            small: small.clone(),
            large: large.clone(),
            key: u128::MAX - 5,
        };
        let bytes = postcard::to_allocvec(&packed).unwrap();
        assert_eq!(postcard::from_bytes::<Packed>(&bytes).unwrap(), packed);
        // The first value's gap takes 1 byte, the others (about 670,000) 3 where the values
        // take 4; the hashes 8 where varints take 10; the key 16 (19); lengths 2 and 1.
        assert_eq!(bytes.len(), 2 + (1 + 399 * 3) + 1 + 8 * 5 + 16);
        let plain = postcard::to_allocvec(&(small, large, u128::MAX - 5)).unwrap();
        assert!(
            bytes.len() < plain.len() * 4 / 5,
            "{} vs {}",
            bytes.len(),
            plain.len()
        );
        let edges = Packed {
            small: vec![0, u32::MAX],
            large: Vec::new(),
            key: 0,
        };
        let bytes = postcard::to_allocvec(&edges).unwrap();
        assert_eq!(postcard::from_bytes::<Packed>(&bytes).unwrap(), edges);
    }

    #[test]
    fn disordered_or_cut_data_is_refused() {
        let encode = |small: &[u8], large: &[u8]| {
            let mut bytes = vec![small.len() as u8];
            bytes.extend_from_slice(small);
            bytes.push(large.len() as u8);
            bytes.extend_from_slice(large);
            bytes.extend_from_slice(&[0; 16]);
            postcard::from_bytes::<Packed>(&bytes)
        };
        assert!(encode(&[5, 3], &[]).is_ok());
        assert!(encode(&[5, 0], &[]).is_err(), "a repeated hash");
        assert!(encode(&[0x80], &[]).is_err(), "a cut varint");
        assert!(
            encode(&[0xFF, 0xFF, 0xFF, 0xFF, 0x1F], &[]).is_err(),
            "beyond u32"
        );
        assert!(encode(&[], &[1, 2, 3]).is_err(), "a cut 64-bit hash");
        let mut disordered = 2u64.to_le_bytes().to_vec();
        disordered.extend_from_slice(&1u64.to_le_bytes());
        assert!(encode(&[], &disordered).is_err());
    }
}
