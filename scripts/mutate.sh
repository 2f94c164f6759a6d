#!/usr/bin/env bash
# Mutation check of the hand-written number reader and writer and the parallel tensor split: each
# mutation below breaks one fast path on purpose (a wrong SWAR constant, an off-by-one in the
# layout, a dropped piece); the WireFormat tests must fail for every one of them. Works in a
# scratch worktree of HEAD (the checkout is not touched); about a minute per mutation.
# Usage: scripts/mutate.sh      (not part of make test; run after changing these files)
set -euo pipefail
cd "$(dirname "$0")/.."
scratch="${TMPDIR:-/tmp}/backprop-mutants"
git worktree remove --force "$scratch" 2>/dev/null || rm -rf "$scratch"
git worktree add --detach "$scratch" HEAD >/dev/null
trap 'git worktree remove --force "$scratch" >/dev/null 2>&1 || true' EXIT
cd "$scratch"
# file | sed expression | what it breaks
mutations=(
  "Sources/WireFormat/NumberReader.swift|s/(100 + (1_000_000 << 32))/(100 + (100_000 << 32))/|eight-digit SWAR fold"
  "Sources/WireFormat/NumberReader.swift|s/v \&+ 0x0606_0606_0606_0606/v \&+ 0x0505_0505_0505_0505/|eight-digit test lets ':' through"
  "Sources/WireFormat/NumberReader.swift|s/(1 + (100 << 16))/(100 + (1 << 16))/|four-digit SWAR fold (digit pairs swapped)"
  "Sources/WireFormat/NumberReader.swift|s/if digitCount > 19 {/if digitCount > 20 {/|long numbers kept on the fast path"
  "Sources/WireFormat/NumberReader.swift|s/if digitCount - zeros > 19 {/if digitCount - zeros > 20 {/|long numbers after leading zeros kept on the fast path"
  "Sources/WireFormat/NumberReader.swift|s/                if p\[k\] == UInt8(ascii: \"0\") { zeros += 1 }/                zeros += 1/|the decimal point counted as a leading zero"
  "Sources/WireFormat/ShortestDigits.swift|s/((pairs \&\* 103) >> 10)/((pairs \&* 102) >> 10)/|eight-digit ASCII SWAR (÷10)"
  "Sources/WireFormat/ShortestDigits.swift|s/let margin: UInt64 = 8/let margin: UInt64 = 0/|one-product fast path decides cases too close to call"
  "Sources/WireFormat/ShortestDigits.swift|s/let closest = integral \&+ (fraction >> 63)/let closest = integral/|one-product fast path truncates instead of rounding"
  "Sources/WireFormat/JSONParser.swift|s/} else if k - rowStart != columns {/} else if k - rowStart > columns {/|matrix reader takes a short row"
  "Sources/WireFormat/JSONParser.swift|s/        var starts = \[first\]/        var starts = [rowStarts[0]]/|parallel reader skips elements before the first row"
  "Sources/WireFormat/JSONParser.swift|s/            items.append(contentsOf: part)/            if k > 0 { items.append(contentsOf: part) }/|parallel reader drops a piece"
  "Sources/WireFormat/TensorEncoding.swift|s/            if k > 0 { bytes.append(UInt8(ascii: \",\")) }/            if k > 1 { bytes.append(UInt8(ascii: \",\")) }/|parallel writer drops a comma"
)
swift build --disable-default-traits --build-tests >/dev/null 2>&1
survived=0
for m in "${mutations[@]}"; do
  IFS='|' read -r file expr what <<<"$m"
  cp "$file" "$file.orig"
  sed -i "$expr" "$file"
  if cmp -s "$file" "$file.orig"; then
    echo "NOT APPLIED  $what ($file)"; survived=$((survived + 1)); mv "$file.orig" "$file"; continue
  fi
  if swift build --disable-default-traits --build-tests >/dev/null 2>&1 \
    && timeout 300 swift test --disable-default-traits --skip-build --filter WireFormatTests >/dev/null 2>&1; then
    echo "SURVIVED     $what"; survived=$((survived + 1))
  else
    echo "caught       $what"
  fi
  mv "$file.orig" "$file"
done
echo "$survived of ${#mutations[@]} mutations survived"
[ "$survived" -eq 0 ]
