"""The compiler middle: AST → checked, lowered, verified graph IR (`compiler.ir`)."""

__version__ = "0.1.0"
