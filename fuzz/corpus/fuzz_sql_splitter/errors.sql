SELEC 1;
SELECT "unterminated;
