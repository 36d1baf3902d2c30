//! The `serde::Serializer` plumbing the streaming JSON and YAML writers
//! share. Each writer has a `Slot<'w>` (where one value goes), a `Seq<'w>`
//! and a `Map<'w>` with the same inherent methods (`display`, `float`,
//! `text`, `seq`, `map`; `item`, `end`; `key`, `value`, `end`); serde's
//! traits map onto them the same way for both. The macro expands in each
//! writer's module, so each keeps its own types, monomorphized as before.

/// `serialize_*` methods that write the value with `Display`, as serde_json
/// writes numbers and booleans.
macro_rules! display_scalars {
    ($($method:ident: $ty:ty),* $(,)?) => {$(
        fn $method(self, v: $ty) -> Result<(), Error> {
            self.display(v)
        }
    )*};
}

/// Helper of `serializer_plumbing`.
macro_rules! seq_impl {
    ($($tr:ident :: $method:ident),*) => {$(
        impl ser::$tr for Seq<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.item(value)
            }
            fn end(self) -> Result<(), Error> {
                Seq::end(self)
            }
        }
    )*};
}

/// Helper of `serializer_plumbing`.
macro_rules! struct_impl {
    ($($tr:ident),*) => {$(
        impl ser::$tr for Map<'_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.key(key);
                self.value(value)
            }
            fn end(self) -> Result<(), Error> {
                Map::end(self)
            }
        }
    )*};
}

/// Implements `ser::Serializer` for `Slot<'w>` and serde's compound traits
/// for `Seq<'_>` and `Map<'_>` in the invoking module, which has `ser`,
/// `Serialize`, its `Error` and a `key_text(&T, &mut String) -> Result<(),
/// Error>` (a map key as serde_json's text) in scope.
macro_rules! serializer_plumbing {
    () => {
        impl<'w> ser::Serializer for Slot<'w> {
            type Ok = ();
            type Error = Error;
            type SerializeSeq = Seq<'w>;
            type SerializeTuple = Seq<'w>;
            type SerializeTupleStruct = Seq<'w>;
            type SerializeTupleVariant = Seq<'w>;
            type SerializeMap = Map<'w>;
            type SerializeStruct = Map<'w>;
            type SerializeStructVariant = Map<'w>;

            display_scalars!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64, serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64, serialize_u128: u128);
            fn serialize_f32(self, v: f32) -> Result<(), Error> {
                self.float(f64::from(v))
            }
            fn serialize_f64(self, v: f64) -> Result<(), Error> {
                self.float(v)
            }
            fn serialize_char(self, v: char) -> Result<(), Error> {
                self.text(v.encode_utf8(&mut [0; 4]))
            }
            fn serialize_str(self, v: &str) -> Result<(), Error> {
                self.text(v)
            }
            fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
                // As serde_json: a sequence of numbers.
                let mut seq = self.seq();
                for b in v {
                    seq.item(b)?;
                }
                seq.end()
            }
            fn serialize_none(self) -> Result<(), Error> {
                self.display("null")
            }
            fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
                value.serialize(self)
            }
            fn serialize_unit(self) -> Result<(), Error> {
                self.display("null")
            }
            fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
                self.display("null")
            }
            fn serialize_unit_variant(
                self,
                _name: &'static str,
                _index: u32,
                variant: &'static str,
            ) -> Result<(), Error> {
                self.text(variant)
            }
            fn serialize_newtype_struct<T: Serialize + ?Sized>(
                self,
                _name: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                value.serialize(self)
            }
            fn serialize_newtype_variant<T: Serialize + ?Sized>(
                self,
                _name: &'static str,
                _index: u32,
                variant: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                let mut map = self.map();
                map.key(variant);
                map.value(value)?;
                map.end()
            }
            fn serialize_seq(self, _len: Option<usize>) -> Result<Seq<'w>, Error> {
                Ok(self.seq())
            }
            fn serialize_tuple(self, _len: usize) -> Result<Seq<'w>, Error> {
                Ok(self.seq())
            }
            fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Seq<'w>, Error> {
                Ok(self.seq())
            }
            fn serialize_tuple_variant(
                self,
                _name: &'static str,
                _index: u32,
                _variant: &'static str,
                _len: usize,
            ) -> Result<Seq<'w>, Error> {
                Err(ser::Error::custom("tuple variants are not supported"))
            }
            fn serialize_map(self, _len: Option<usize>) -> Result<Map<'w>, Error> {
                Ok(self.map())
            }
            fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Map<'w>, Error> {
                Ok(self.map())
            }
            fn serialize_struct_variant(
                self,
                _name: &'static str,
                _index: u32,
                _variant: &'static str,
                _len: usize,
            ) -> Result<Map<'w>, Error> {
                Err(ser::Error::custom("struct variants are not supported"))
            }
        }

        seq_impl!(
            SerializeSeq::serialize_element,
            SerializeTuple::serialize_element,
            SerializeTupleStruct::serialize_field,
            SerializeTupleVariant::serialize_field
        );

        impl ser::SerializeMap for Map<'_> {
            type Ok = ();
            type Error = Error;
            fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
                self.serialized_key(key)
            }
            fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.value(value)
            }
            fn end(self) -> Result<(), Error> {
                Map::end(self)
            }
        }

        struct_impl!(SerializeStruct, SerializeStructVariant);
    };
}
