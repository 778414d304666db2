"""Helpers the tests share: real git repositories, real package files, real servers."""
