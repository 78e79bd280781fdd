#pragma once

// Qt 6.4's string hashing (the AES hash behind every QHash<QString> lookup: command-line options,
// settings, fonts, properties) uses 256-bit registers and returns without clearing their upper
// halves. Until something clears them, every call from the project's SSE code into libm's AVX
// builds of exp, log and pow pays a register-state transition: on an Intel development machine
// the read-out's optimum search took 24 ms per slider step instead of 2.4 ms. Call this on the GUI
// thread right before numeric work. Without AVX it does nothing.
void clearUpperVectorRegisters();
