"""Batches to the province and receipts back (DESIGN "Batches to the province"), Qt-free.

- ``envelope``: the signed, encrypted file that carries either;
- ``keys``: this center's key pairs and the registered peers' public keys;
- ``records``: which rows travel, as JSON, and how the province stores them;
- ``export`` (district), ``importer`` and ``receipts`` (province and district);
- ``cli``: the headless commands the province scripts.
"""
