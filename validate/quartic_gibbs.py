#!/usr/bin/env python3
"""Reference values for the quartic oscillator V = m w^2 x^2/2 + lambda x^4/4 (docs/CLASSICAL.md).

Prints, for one oscillator in thermal equilibrium at temperature T (hbar = k_B = 1):
  - the quantum Gibbs <x^2> (weak-coupling limit of the bath), from the exact diagonalisation
    of H = p^2/2m + V in a truncated harmonic-oscillator basis (pure Python, Jacobi rotations);
  - the classical Boltzmann <x^2> (one-dimensional quadrature of exp(-V/T));
  - the linear quantum value coth(w/2T)/(2 m w) (lambda = 0).
These are the references against which the semiclassical ("quantum thermal bath") result of
`synctur simulate` with statistics = "quantum" and quartic_A != 0 is judged.

Usage: validate/quartic_gibbs.py T w LAMBDA [LAMBDA ...]   (m = 1)
"""
import math
import sys


def jacobi_eigh(a):
    """Eigenvalues and eigenvectors (columns) of the symmetric matrix a (list of lists)."""
    n = len(a)
    a = [row[:] for row in a]
    v = [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)]
    for _ in range(100):
        off = sum(a[i][j] ** 2 for i in range(n) for j in range(n) if i != j)
        if off < 1e-22:
            break
        for p in range(n - 1):
            for q in range(p + 1, n):
                if abs(a[p][q]) < 1e-300:
                    continue
                theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q])
                t = math.copysign(1.0, theta) / (abs(theta) + math.sqrt(theta * theta + 1.0))
                c = 1.0 / math.sqrt(t * t + 1.0)
                s = t * c
                for k in range(n):
                    akp, akq = a[k][p], a[k][q]
                    a[k][p] = c * akp - s * akq
                    a[k][q] = s * akp + c * akq
                for k in range(n):
                    apk, aqk = a[p][k], a[q][k]
                    a[p][k] = c * apk - s * aqk
                    a[q][k] = s * apk + c * aqk
                for k in range(n):
                    vkp, vkq = v[k][p], v[k][q]
                    v[k][p] = c * vkp - s * vkq
                    v[k][q] = s * vkp + c * vkq
    return [a[i][i] for i in range(n)], v


def matmul(a, b):
    n, m, l = len(a), len(b), len(b[0])
    return [[sum(a[i][k] * b[k][j] for k in range(m)) for j in range(l)] for i in range(n)]


def quantum_x2(T, w, lam, N=36):
    """Gibbs <x^2> of p^2/2 + w^2 x^2/2 + lam x^4/4 (m = 1), basis of N oscillator states."""
    M = N + 4  # x^4 computed in a larger basis, then truncated
    X = [[0.0] * M for _ in range(M)]
    for n in range(M - 1):
        X[n][n + 1] = X[n + 1][n] = math.sqrt((n + 1) / (2.0 * w))
    X2 = matmul(X, X)
    X4 = matmul(X2, X2)
    H = [[(w * (i + 0.5) if i == j else 0.0) + 0.25 * lam * X4[i][j] for j in range(N)]
         for i in range(N)]
    E, V = jacobi_eigh(H)
    e0 = min(E)
    Z = 0.0
    x2 = 0.0
    for k in range(N):
        b = math.exp(-(E[k] - e0) / T)
        # <k|x^2|k> with the N x N block of x^2
        xk = sum(V[i][k] * X2[i][j] * V[j][k] for i in range(N) for j in range(N))
        Z += b
        x2 += b * xk
    return x2 / Z


def classical_x2(T, w, lam):
    L = 12.0 * math.sqrt(T) / w
    h = L / 4000.0
    z = x2 = 0.0
    for i in range(-4000, 4001):
        x = i * h
        e = math.exp(-(0.5 * w * w * x * x + 0.25 * lam * x ** 4) / T)
        z += e
        x2 += x * x * e
    return x2 / z


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    T, w = float(sys.argv[1]), float(sys.argv[2])
    print("# T = %g, w = %g, m = 1" % (T, w))
    print("# lambda  quantum_gibbs_x2  classical_x2  linear_quantum_x2(lambda=0)")
    lin = 1.0 / (2.0 * w * math.tanh(w / (2.0 * T)))
    for s in sys.argv[3:]:
        lam = float(s)
        print("%g %.6g %.6g %.6g" % (lam, quantum_x2(T, w, lam), classical_x2(T, w, lam), lin))
    return 0


if __name__ == "__main__":
    sys.exit(main())
