import { syntheticCatalogue } from '/work/main/test/bench/catalogue.ts';
const c = syntheticCatalogue('/work/bench100k', 100000);
console.log(JSON.stringify(c));
