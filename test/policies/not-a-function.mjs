export default { evaluate() {} };
