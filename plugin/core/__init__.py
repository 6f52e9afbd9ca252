"""The core layer: KOReader's algorithms and the product's rules as pure functions and values
(protocol, digests, file names, reading state, column values, throttle, Book/BookFormat).
Imports nothing outside the standard library."""
