;; JsonLineFieldScanner.scanLine (src/core/readers/json-line-fields.ts) in WebAssembly: the same
;; grammar, decision for decision, with the strings' characters checked 16 at a time (SIMD).
;;
;; Why: in JavaScript the scan is ≈ 0.4 µs of a three-identifier row, most of it the byte loop over
;; strings; here one call reads a line. The JavaScript scanner stays the reference: tests compare
;; both on generated lines.
;;
;; It reads the memory it imports (sha256-batch.ts's module memory, where the chunk is loaded at
;; `base`): `names` holds `count` pairs of i32 (address, length) of the mapped column names' bytes;
;; `out` receives JsonLineFieldScanner's valueStart (`count` i32: an offset from `base`, or -1
;; missing, -2 null) and then its valueEnd (`count` i32). The line's start and limit, the values and
;; the returned end are offsets from `base`.
;; Built by scripts/build-wasm.mjs into json-line-scan-wasm.ts.
(module
  (import "env" "memory" (memory 1))

  ;; JSON white space but the line feed: space, tab, carriage return.
  (func $skipWhiteSpace (param $at i32) (param $end i32) (result i32)
    (local $code i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $code (i32.load8_u (local.get $at)))
        (br_if $done
          (i32.and
            (i32.ne (local.get $code) (i32.const 0x20))
            (i32.and (i32.ne (local.get $code) (i32.const 0x09)) (i32.ne (local.get $code) (i32.const 0x0d)))))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (br $next)))
    (local.get $at))

  ;; From just after an opening quote: the closing quote's address, or -1 for a backslash, a byte
  ;; outside 0x20–0x7E, or no end before `end`.
  (func $plainStringEnd (param $at i32) (param $end i32) (result i32)
    (local $bytes v128) (local $mask i32) (local $code i32)
    ;; 16 bytes at a time: a quote, a backslash, or a byte whose value - 0x20 is over 0x5E (unsigned).
    (block $tail
      (loop $sixteen
        (br_if $tail (i32.gt_u (i32.add (local.get $at) (i32.const 16)) (local.get $end)))
        (local.set $bytes (v128.load (local.get $at)))
        (local.set $mask
          (i8x16.bitmask
            (v128.or
              (v128.or
                (i8x16.eq (local.get $bytes) (v128.const i8x16 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22))
                (i8x16.eq (local.get $bytes) (v128.const i8x16 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c)))
              (i8x16.gt_u
                (i8x16.sub (local.get $bytes) (v128.const i8x16 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20))
                (v128.const i8x16 0x5e 0x5e 0x5e 0x5e 0x5e 0x5e 0x5e 0x5e 0x5e 0x5e 0x5e 0x5e 0x5e 0x5e 0x5e 0x5e)))))
        (if (local.get $mask)
          (then
            (local.set $at (i32.add (local.get $at) (i32.ctz (local.get $mask))))
            (return (select (local.get $at) (i32.const -1) (i32.eq (i32.load8_u (local.get $at)) (i32.const 0x22))))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $sixteen)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $code (i32.load8_u (local.get $at)))
        (if (i32.eq (local.get $code) (i32.const 0x22)) (then (return (local.get $at))))
        (br_if $done
          (i32.or
            (i32.eq (local.get $code) (i32.const 0x5c))
            (i32.gt_u (i32.sub (local.get $code) (i32.const 0x20)) (i32.const 0x5e))))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (br $next)))
    (i32.const -1))

  ;; Whether the `length` bytes at `at` (before `end`) are the word whose bytes are packed little-endian in `word`.
  (func $isWord (param $at i32) (param $end i32) (param $word i64) (param $length i32) (result i32)
    (local $index i32)
    (if (i32.lt_u (i32.sub (local.get $end) (local.get $at)) (local.get $length)) (then (return (i32.const 0))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $index) (local.get $length)))
        (if (i32.ne
              (i32.load8_u (i32.add (local.get $at) (local.get $index)))
              (i32.wrap_i64 (i64.and (i64.shr_u (local.get $word) (i64.extend_i32_u (i32.shl (local.get $index) (i32.const 3)))) (i64.const 0xff))))
          (then (return (i32.const 0))))
        (local.set $index (i32.add (local.get $index) (i32.const 1)))
        (br $next)))
    (i32.const 1))

  (func $isDigit (param $at i32) (param $end i32) (result i32)
    (i32.and
      (i32.lt_u (local.get $at) (local.get $end))
      (i32.lt_u (i32.sub (i32.load8_u (local.get $at)) (i32.const 0x30)) (i32.const 10))))

  (func $skipDigits (param $at i32) (param $end i32) (result i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (call $isDigit (local.get $at) (local.get $end))))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (br $next)))
    (local.get $at))

  ;; A JSON number from `at` (-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?): its end, or -1.
  (func $numberEnd (param $at i32) (param $end i32) (result i32)
    (local $digits i32)
    (if (i32.and (i32.lt_u (local.get $at) (local.get $end)) (i32.eq (i32.load8_u (local.get $at)) (i32.const 0x2d)))
      (then (local.set $at (i32.add (local.get $at) (i32.const 1)))))
    (if (i32.ge_u (local.get $at) (local.get $end)) (then (return (i32.const -1))))
    (if (i32.eq (i32.load8_u (local.get $at)) (i32.const 0x30))
      (then (local.set $at (i32.add (local.get $at) (i32.const 1))))
      (else
        (if (i32.eqz (call $isDigit (local.get $at) (local.get $end))) (then (return (i32.const -1))))
        (local.set $at (call $skipDigits (local.get $at) (local.get $end)))))
    (if (i32.and (i32.lt_u (local.get $at) (local.get $end)) (i32.eq (i32.load8_u (local.get $at)) (i32.const 0x2e)))
      (then
        (local.set $digits (i32.add (local.get $at) (i32.const 1)))
        (local.set $at (call $skipDigits (local.get $digits) (local.get $end)))
        (if (i32.eq (local.get $at) (local.get $digits)) (then (return (i32.const -1))))))
    (if (i32.and
          (i32.lt_u (local.get $at) (local.get $end))
          (i32.eq (i32.or (i32.load8_u (local.get $at)) (i32.const 0x20)) (i32.const 0x65)))
      (then
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (if (i32.and
              (i32.lt_u (local.get $at) (local.get $end))
              (i32.or (i32.eq (i32.load8_u (local.get $at)) (i32.const 0x2b)) (i32.eq (i32.load8_u (local.get $at)) (i32.const 0x2d))))
          (then (local.set $at (i32.add (local.get $at) (i32.const 1)))))
        (local.set $digits (local.get $at))
        (local.set $at (call $skipDigits (local.get $at) (local.get $end)))
        (if (i32.eq (local.get $at) (local.get $digits)) (then (return (i32.const -1))))))
    (local.get $at))

  ;; The mapped column (0 … count - 1) whose name is the bytes from `start` to `end`, or -1.
  (func $fieldOf (param $start i32) (param $end i32) (param $names i32) (param $count i32) (result i32)
    (local $field i32) (local $name i32) (local $length i32) (local $index i32)
    (local.set $length (i32.sub (local.get $end) (local.get $start)))
    (block $none
      (loop $next
        (br_if $none (i32.ge_u (local.get $field) (local.get $count)))
        (block $differs
          (br_if $differs
            (i32.ne (i32.load offset=4 (i32.add (local.get $names) (i32.shl (local.get $field) (i32.const 3)))) (local.get $length)))
          (local.set $name (i32.load (i32.add (local.get $names) (i32.shl (local.get $field) (i32.const 3)))))
          (local.set $index (i32.const 0))
          (block $same
            (loop $byte
              (br_if $same (i32.ge_u (local.get $index) (local.get $length)))
              (br_if $differs
                (i32.ne
                  (i32.load8_u (i32.add (local.get $name) (local.get $index)))
                  (i32.load8_u (i32.add (local.get $start) (local.get $index)))))
              (local.set $index (i32.add (local.get $index) (i32.const 1)))
              (br $byte)))
          (return (local.get $field)))
        (local.set $field (i32.add (local.get $field) (i32.const 1)))
        (br $next)))
    (i32.const -1))

  ;; The line from `start` to the next line feed or `limit`: its end (the line feed's address, or
  ;; `limit`) when it is one flat object of the scanner's subset, with `out` filled; -1 otherwise.
  ;; (Every step stops at a line feed: it is not white space and not a plain string's byte.)
  (func (export "scanLine") (param $base i32) (param $start i32) (param $limit i32) (param $names i32) (param $count i32) (param $out i32) (result i32)
    (local $at i32) (local $field i32) (local $valueEnd i32) (local $first i32) (local $index i32) (local $slot i32)
    (local.set $start (i32.add (local.get $base) (local.get $start)))
    (local.set $limit (i32.add (local.get $base) (local.get $limit)))
    (block $filled
      (loop $missing
        (br_if $filled (i32.ge_u (local.get $index) (local.get $count)))
        (i32.store (i32.add (local.get $out) (i32.shl (local.get $index) (i32.const 2))) (i32.const -1))
        (local.set $index (i32.add (local.get $index) (i32.const 1)))
        (br $missing)))
    (local.set $at (call $skipWhiteSpace (local.get $start) (local.get $limit)))
    (if (i32.or (i32.ge_u (local.get $at) (local.get $limit)) (i32.ne (i32.load8_u (local.get $at)) (i32.const 0x7b)))
      (then (return (i32.const -1))))
    (local.set $at (call $skipWhiteSpace (i32.add (local.get $at) (i32.const 1)) (local.get $limit)))
    (if (i32.and (i32.lt_u (local.get $at) (local.get $limit)) (i32.eq (i32.load8_u (local.get $at)) (i32.const 0x7d)))
      (then (return (call $lineEnd (call $skipWhiteSpace (i32.add (local.get $at) (i32.const 1)) (local.get $limit)) (local.get $limit) (local.get $base)))))
    (loop $member
      ;; "key"
      (if (i32.or (i32.ge_u (local.get $at) (local.get $limit)) (i32.ne (i32.load8_u (local.get $at)) (i32.const 0x22)))
        (then (return (i32.const -1))))
      (local.set $valueEnd (call $plainStringEnd (i32.add (local.get $at) (i32.const 1)) (local.get $limit)))
      (if (i32.lt_s (local.get $valueEnd) (i32.const 0)) (then (return (i32.const -1))))
      (local.set $field (call $fieldOf (i32.add (local.get $at) (i32.const 1)) (local.get $valueEnd) (local.get $names) (local.get $count)))
      (local.set $slot (i32.add (local.get $out) (i32.shl (local.get $field) (i32.const 2))))
      ;; :
      (local.set $at (call $skipWhiteSpace (i32.add (local.get $valueEnd) (i32.const 1)) (local.get $limit)))
      (if (i32.or (i32.ge_u (local.get $at) (local.get $limit)) (i32.ne (i32.load8_u (local.get $at)) (i32.const 0x3a)))
        (then (return (i32.const -1))))
      (local.set $at (call $skipWhiteSpace (i32.add (local.get $at) (i32.const 1)) (local.get $limit)))
      (if (i32.ge_u (local.get $at) (local.get $limit)) (then (return (i32.const -1))))
      ;; the value
      (local.set $first (i32.load8_u (local.get $at)))
      (block $valueRead
        (if (i32.eq (local.get $first) (i32.const 0x22))
          (then
            (local.set $valueEnd (call $plainStringEnd (i32.add (local.get $at) (i32.const 1)) (local.get $limit)))
            (if (i32.lt_s (local.get $valueEnd) (i32.const 0)) (then (return (i32.const -1))))
            (if (i32.ge_s (local.get $field) (i32.const 0))
              (then
                (i32.store (local.get $slot) (i32.sub (i32.add (local.get $at) (i32.const 1)) (local.get $base)))
                (i32.store (i32.add (local.get $slot) (i32.shl (local.get $count) (i32.const 2))) (i32.sub (local.get $valueEnd) (local.get $base)))))
            (local.set $at (i32.add (local.get $valueEnd) (i32.const 1)))
            (br $valueRead)))
        (if (i32.eq (local.get $first) (i32.const 0x6e))
          (then
            ;; null
            (if (i32.eqz (call $isWord (local.get $at) (local.get $limit) (i64.const 0x6c6c756e) (i32.const 4)))
              (then (return (i32.const -1))))
            (if (i32.ge_s (local.get $field) (i32.const 0)) (then (i32.store (local.get $slot) (i32.const -2))))
            (local.set $at (i32.add (local.get $at) (i32.const 4)))
            (br $valueRead)))
        ;; A mapped number or boolean: JSON.parse's value decides.
        (if (i32.ge_s (local.get $field) (i32.const 0)) (then (return (i32.const -1))))
        (if (i32.eq (local.get $first) (i32.const 0x74))
          (then
            ;; true
            (if (i32.eqz (call $isWord (local.get $at) (local.get $limit) (i64.const 0x65757274) (i32.const 4)))
              (then (return (i32.const -1))))
            (local.set $at (i32.add (local.get $at) (i32.const 4)))
            (br $valueRead)))
        (if (i32.eq (local.get $first) (i32.const 0x66))
          (then
            ;; false
            (if (i32.eqz (call $isWord (local.get $at) (local.get $limit) (i64.const 0x65736c6166) (i32.const 5)))
              (then (return (i32.const -1))))
            (local.set $at (i32.add (local.get $at) (i32.const 5)))
            (br $valueRead)))
        (local.set $at (call $numberEnd (local.get $at) (local.get $limit)))
        (if (i32.lt_s (local.get $at) (i32.const 0)) (then (return (i32.const -1)))))
      ;; , or }
      (local.set $at (call $skipWhiteSpace (local.get $at) (local.get $limit)))
      (if (i32.ge_u (local.get $at) (local.get $limit)) (then (return (i32.const -1))))
      (if (i32.eq (i32.load8_u (local.get $at)) (i32.const 0x7d))
        (then (return (call $lineEnd (call $skipWhiteSpace (i32.add (local.get $at) (i32.const 1)) (local.get $limit)) (local.get $limit) (local.get $base)))))
      (if (i32.ne (i32.load8_u (local.get $at)) (i32.const 0x2c)) (then (return (i32.const -1))))
      (local.set $at (call $skipWhiteSpace (i32.add (local.get $at) (i32.const 1)) (local.get $limit)))
      (br $member))
    (i32.const -1))

;; normalize-ascii-cell.ts's normalizeAsciiDeviceId on the 36 bytes at `base` + `start`, 16 at a
  ;; time: 1 for a dashed UUID of hex digits (8-4-4-4-12), 2 for the all-zero one, 0 for anything else.
  (func (export "deviceIdKind") (param $base i32) (param $start i32) (result i32)
    (local $at i32) (local $a v128) (local $b v128) (local $c v128)
    (local.set $at (i32.add (local.get $base) (local.get $start)))
    (local.set $a (v128.load (local.get $at)))
    (local.set $b (v128.load offset=16 (local.get $at)))
    ;; Bytes 32–35, and bytes 4–15 of this vector set to '0' (a hex digit, and zero).
    (local.set $c
      (v128.bitselect
        (v128.load32_zero offset=32 (local.get $at))
        (v128.const i8x16 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30)
        (v128.const i32x4 -1 0 0 0)))
    ;; Dashes at 8 and 13 (in $a) and 18 and 23 (lanes 2 and 7 of $b); hex digits everywhere else.
    (if (i32.eqz
          (i32.and
            (i32.and
              (call $dashedHex (local.get $a) (v128.const i8x16 0 0 0 0 0 0 0 0 -1 0 0 0 0 -1 0 0))
              (call $dashedHex (local.get $b) (v128.const i8x16 0 0 -1 0 0 0 0 -1 0 0 0 0 0 0 0 0)))
            (call $dashedHex (local.get $c) (v128.const i64x2 0 0))))
      (then (return (i32.const 0))))
    ;; All digits '0' (the dashes are ORed in: $a | $b | $c lanes are '0' or '-' = 0x30 or 0x2d).
    (if (result i32)
      (i8x16.all_true
        (v128.and
          (v128.and
            (call $zeroOrDash (local.get $a))
            (call $zeroOrDash (local.get $b)))
          (call $zeroOrDash (local.get $c))))
      (then (i32.const 2))
      (else (i32.const 1))))

  ;; Whether every lane of `bytes` is a dash where `dashes` is set and a hex digit (0-9, a-f, A-F) elsewhere.
  (func $dashedHex (param $bytes v128) (param $dashes v128) (result i32)
    (local $lower v128)
    (local.set $lower (v128.or (local.get $bytes) (v128.const i8x16 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20)))
    (i8x16.all_true
      (v128.bitselect
        (i8x16.eq (local.get $bytes) (v128.const i8x16 0x2d 0x2d 0x2d 0x2d 0x2d 0x2d 0x2d 0x2d 0x2d 0x2d 0x2d 0x2d 0x2d 0x2d 0x2d 0x2d))
        (v128.or
          (i8x16.lt_u
            (i8x16.sub (local.get $bytes) (v128.const i8x16 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30))
            (v128.const i8x16 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10))
          (i8x16.lt_u
            (i8x16.sub (local.get $lower) (v128.const i8x16 0x61 0x61 0x61 0x61 0x61 0x61 0x61 0x61 0x61 0x61 0x61 0x61 0x61 0x61 0x61 0x61))
            (v128.const i8x16 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6)))
        (local.get $dashes))))

  ;; Lanes that are '0' or '-'.
  (func $zeroOrDash (param $bytes v128) (result v128)
    (v128.or
      (i8x16.eq (local.get $bytes) (v128.const i8x16 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30 0x30))
      (i8x16.eq (local.get $bytes) (v128.const i8x16 0x2d 0x2d 0x2d 0x2d 0x2d 0x2d 0x2d 0x2d 0x2d 0x2d 0x2d 0x2d 0x2d 0x2d 0x2d 0x2d))))

  ;; After the object and its white space: the line's end (from `base`) if a line feed or `limit` is
  ;; there, else -1.
  (func $lineEnd (param $at i32) (param $limit i32) (param $base i32) (result i32)
    (if (result i32)
      (i32.or (i32.eq (local.get $at) (local.get $limit)) (i32.eq (i32.load8_u (local.get $at)) (i32.const 0x0a)))
      (then (i32.sub (local.get $at) (local.get $base)))
      (else (i32.const -1))))
)
